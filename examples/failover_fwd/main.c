/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * failover_fwd: an l2fwd-style forwarder over failover ports.
 *
 * Every port is forwarded to its pair (0<->1, 2<->3, ...; an odd last port
 * to itself) by one lcore per pair. Once a second it prints a status line
 * per failover port: which sub-device transmits, packets per second on
 * each path, switchovers. It shows how an application uses the failover
 * API: rte_pmd_failover_info_get(), a switchover callback, and
 * rte_pmd_failover_force_standby() for planned maintenance (a hypervisor
 * agent asks for the standby, then unplugs the VF).
 *
 * With --mac-swap it answers instead of forwarding: each packet goes back
 * out of the port it came from with its Ethernet addresses swapped. With
 * --announce it sends a RARP from the port's MAC after every switchover,
 * as QEMU does after a migration: the switches outside learn at once which
 * cable the MAC is now behind, instead of flooding or losing frames until
 * the guest happens to transmit.
 *
 *   dpdk-failover-fwd [EAL options] -- [--duration S]
 *       [--force-standby-at S] [--release-at S] [--mac-swap] [--announce]
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <rte_pmd_failover.h>

#define BURST 32
#define RING_SIZE 512

#define RARP_ETHERTYPE 0x8035
#define RARP_LEN 60

static volatile bool quit;
static uint16_t nb_ports;
static uint16_t ports[RTE_MAX_ETHPORTS];
static struct rte_mempool *pool;
/* Set by the switchover callback, cleared by the lcore that announces. */
static bool announce_due[RTE_MAX_ETHPORTS];

static struct {
	unsigned int duration;
	int force_at;
	int release_at;
	bool mac_swap;
	bool announce;
} opt = { .duration = 0, .force_at = -1, .release_at = -1 };

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	quit = true;
}

/* Told by the PMD, from the thread that caused the switch. */
static void
on_switch(uint16_t port_id, enum rte_pmd_failover_role from,
		enum rte_pmd_failover_role to, void *arg)
{
	struct rte_pmd_failover_info info;

	RTE_SET_USED(arg);
	/* No lock of the PMD is held here: its API may be called. */
	if (rte_pmd_failover_info_get(port_id, &info) != 0)
		return;
	printf("port %u: switchover %s -> %s (switchover %" PRIu64 ")\n",
		port_id, rte_pmd_failover_role_name(from),
		rte_pmd_failover_role_name(to), info.switchovers);
	fflush(stdout);
	/*
	 * The callback runs in the thread that caused the switch, which owns
	 * no TX queue: the forwarding lcore sends the announcement.
	 */
	if (opt.announce)
		__atomic_store_n(&announce_due[port_id], true,
			__ATOMIC_RELEASE);
}

/* A RARP request from the port's own MAC, broadcast, as QEMU announces. */
static void
announce(uint16_t port)
{
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	uint8_t *arp;

	if (!__atomic_exchange_n(&announce_due[port], false, __ATOMIC_ACQUIRE))
		return;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, RARP_LEN);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(eth, 0, RARP_LEN);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_eth_macaddr_get(port, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RARP_ETHERTYPE);
	arp = (uint8_t *)(eth + 1);
	/* Ethernet/IPv4, "reverse request", sender = target = our MAC */
	arp[1] = 1;
	arp[2] = 0x08;
	arp[4] = RTE_ETHER_ADDR_LEN;
	arp[5] = 4;
	arp[7] = 3;
	memcpy(arp + 8, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(arp + 18, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	if (rte_eth_tx_burst(port, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
	else
		printf("port %u: announced\n", port);
}

static void
mac_swap(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_ether_hdr *eth;
	struct rte_ether_addr tmp;
	uint16_t i;

	for (i = 0; i < n; i++) {
		eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
	}
}

/* One burst from port @p from to port @p to (answered, with --mac-swap). */
static void
fwd_burst(uint16_t from, uint16_t to)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, sent;

	n = rte_eth_rx_burst(from, 0, pkts, BURST);
	if (opt.mac_swap)
		mac_swap(pkts, n);
	sent = rte_eth_tx_burst(to, 0, pkts, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
}

/* Forward port pair (a, b) both ways until told to quit. */
static int
fwd_main(void *arg)
{
	uint16_t pair = (uint16_t)(uintptr_t)arg;
	uint16_t a = ports[pair], b = ports[RTE_MIN(pair + 1, nb_ports - 1)];

	while (!quit) {
		announce(a);
		fwd_burst(a, b);
		if (a == b)
			continue;
		announce(b);
		fwd_burst(b, a);
	}
	return 0;
}

static uint64_t
opackets(uint16_t port)
{
	struct rte_eth_stats st;

	if (port >= RTE_MAX_ETHPORTS || rte_eth_stats_get(port, &st) != 0)
		return 0;
	return st.opackets;
}

/* One line per failover port: TX path, pps per path, switchovers. */
static void
print_status(unsigned int t, uint64_t last[][2])
{
	struct rte_pmd_failover_info info;
	uint64_t p, s;
	uint16_t i;

	for (i = 0; i < nb_ports; i++) {
		if (rte_pmd_failover_info_get(ports[i], &info) != 0)
			continue;
		p = opackets(info.primary_port);
		s = opackets(info.standby_port);
		printf("t=%us port %u: TX on %s%s | primary %s %" PRIu64
			" pps | standby %" PRIu64 " pps | switchovers %"
			PRIu64 "\n", t, ports[i],
			rte_pmd_failover_role_name(info.tx_role),
			info.forced_standby ? " (forced)" : "",
			info.primary_present ? "present" : "absent",
			p >= last[i][0] ? p - last[i][0] : p,
			s >= last[i][1] ? s - last[i][1] : s,
			info.switchovers);
		last[i][0] = p;
		last[i][1] = s;
	}
	fflush(stdout);
}

static int
port_init(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, RING_SIZE,
			rte_eth_dev_socket_id(port), NULL, pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, RING_SIZE,
			rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "force-standby-at", required_argument, NULL, 'f' },
		{ "release-at", required_argument, NULL, 'r' },
		{ "mac-swap", no_argument, NULL, 'm' },
		{ "announce", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.duration = atoi(optarg);
			break;
		case 'f':
			opt.force_at = atoi(optarg);
			break;
		case 'r':
			opt.release_at = atoi(optarg);
			break;
		case 'm':
			opt.mac_swap = true;
			break;
		case 'a':
			opt.announce = true;
			break;
		default:
			fprintf(stderr, "usage: %s [EAL options] -- "
				"[--duration S] [--force-standby-at S] "
				"[--release-at S] [--mac-swap] "
				"[--announce]\n", argv[0]);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t last[RTE_MAX_ETHPORTS][2];
	unsigned int lcore, t;
	uint16_t port, i, nb_failover = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	if (parse_args(argc - ret, argv + ret) != 0)
		rte_exit(EXIT_FAILURE, "bad arguments\n");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	RTE_ETH_FOREACH_DEV(port)
		ports[nb_ports++] = port;
	if (nb_ports == 0)
		rte_exit(EXIT_FAILURE, "no port\n");
	pool = rte_pktmbuf_pool_create("fwd_pool", 8191, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool\n");
	memset(last, 0, sizeof(last));
	for (i = 0; i < nb_ports; i++) {
		ret = port_init(ports[i], pool);
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "port %u: %s\n", ports[i],
				rte_strerror(-ret));
		/* Only failover ports take a callback; others say -EINVAL. */
		if (rte_pmd_failover_switch_callback_register(ports[i],
				on_switch, NULL) == 0) {
			printf("port %u is a failover port\n", ports[i]);
			nb_failover++;
		}
	}
	/* EAL goes on when a --vdev fails to probe: say what is running. */
	printf("forwarding on %u ports, %u of them failover ports\n",
		nb_ports, nb_failover);

	lcore = rte_get_next_lcore(-1, 1, 0);
	for (i = 0; i < nb_ports; i += 2) {
		if (lcore >= RTE_MAX_LCORE)
			rte_exit(EXIT_FAILURE, "one worker lcore per port pair\n");
		rte_eal_remote_launch(fwd_main, (void *)(uintptr_t)i, lcore);
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}

	for (t = 1; !quit && (opt.duration == 0 || t <= opt.duration); t++) {
		rte_delay_us_sleep(1000000);
		if ((int)t == opt.force_at || (int)t == opt.release_at) {
			bool on = (int)t == opt.force_at;

			for (i = 0; i < nb_ports; i++) {
				/* Returns once nothing transmits on it. */
				if (rte_pmd_failover_force_standby(ports[i],
						on) == 0)
					printf("port %u: standby %s\n",
						ports[i], on ? "forced" :
						"released");
			}
		}
		print_status(t, last);
	}

	quit = true;
	rte_eal_mp_wait_lcore();
	for (i = 0; i < nb_ports; i++) {
		rte_pmd_failover_switch_callback_unregister(ports[i], on_switch,
			NULL);
		rte_eth_dev_stop(ports[i]);
		rte_eth_dev_close(ports[i]);
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
