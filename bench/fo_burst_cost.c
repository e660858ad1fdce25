/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Per-burst cost of a port's RX and TX bursts, for valgrind's callgrind.
 *
 * Each group names ports (by device name) and a number of queues. The
 * ports of a group are configured with that many queues and started; then,
 * after a warm-up, callgrind's counters are zeroed, the loop below runs a
 * fixed number of rounds (each round: on every port of the group, on every
 * queue, one RX burst of 32 and one TX burst of what it returned), and the
 * counters are dumped under the group's name. The ports are stopped again
 * before the next group, so that one process can measure the same failover
 * port with 1, 2 and 4 queues.
 *
 * Outside valgrind the client requests are no-ops, and the TSC cycles of
 * each group's loop (tsc=) and the CPU time the thread had meanwhile
 * (cpu_ns=, which leaves out the time other programs had the core) are
 * the native cost of the same bursts: noisier figures than the
 * instruction counts, but ones that show what instructions do not (stalls,
 * mispredicted branches).
 *
 * Usage: fo_burst_cost [EAL options] -- --rounds N [--detach DEV ...]
 *            --group NAME:QUEUES:DEV[,DEV...] [--group ...]
 * --detach removes a device (rte_dev_remove) before the groups run: a
 * failover port whose primary is detached runs on its standby.
 * Prints one line per group:
 *   group=NAME queues=Q ports=P bursts=B rx_pkts=R tx_pkts=T tsc=C cpu_ns=N
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define BURST 32
#define MAX_GROUPS 32
#define MAX_PORTS 16
#define WARMUP_ROUNDS 64

struct group {
	char name[64];
	uint16_t queues;
	uint16_t nb_ports;
	uint16_t ports[MAX_PORTS];
};

static struct group groups[MAX_GROUPS];
static unsigned int nb_groups;
static uint64_t rounds = 10000;
static struct rte_mempool *pool;

struct counts {
	uint64_t bursts;
	uint64_t rx;
	uint64_t tx;
};

/*
 * The measured loop: what a run-to-completion lcore does on each queue.
 * Kept out of line so that its inclusive cost is the cost of the bursts
 * (plus a few loop instructions, the same for every group).
 */
static __rte_noinline void
bench_loop(const struct group *g, uint64_t n, struct counts *c)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t nb_rx, nb_tx, i, q;
	uint64_t r;

	for (r = 0; r < n; r++) {
		for (i = 0; i < g->nb_ports; i++) {
			for (q = 0; q < g->queues; q++) {
				nb_rx = rte_eth_rx_burst(g->ports[i], q, pkts,
					BURST);
				nb_tx = rte_eth_tx_burst(g->ports[i], q, pkts,
					nb_rx);
				if (unlikely(nb_tx < nb_rx))
					rte_pktmbuf_free_bulk(pkts + nb_tx,
						nb_rx - nb_tx);
				c->bursts++;
				c->rx += nb_rx;
				c->tx += nb_tx;
			}
		}
	}
}

static int
port_up(uint16_t port, uint16_t queues)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, queues, queues, &conf);
	for (q = 0; ret == 0 && q < queues; q++)
		ret = rte_eth_rx_queue_setup(port, q, 512, rte_socket_id(),
			NULL, pool);
	for (q = 0; ret == 0 && q < queues; q++)
		ret = rte_eth_tx_queue_setup(port, q, 512, rte_socket_id(),
			NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		printf("error=port %u with %u queues: %s\n", port, queues,
			rte_strerror(-ret));
	return ret;
}

static int
link_wait(uint16_t port)
{
	struct rte_eth_link link;
	int i;

	for (i = 0; i < 500; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
				link.link_status == RTE_ETH_LINK_UP)
			return 0;
		rte_delay_us_sleep(10000);
	}
	return -1;
}

static int
parse_group(char *arg)
{
	struct group *g;
	char *name = arg, *qs, *devs, *dev, *save = NULL, *end;
	unsigned long n;

	if (nb_groups == MAX_GROUPS)
		return -1;
	g = &groups[nb_groups];
	qs = strchr(name, ':');
	if (qs == NULL)
		return -1;
	*qs++ = '\0';
	devs = strchr(qs, ':');
	if (devs == NULL)
		return -1;
	*devs++ = '\0';
	snprintf(g->name, sizeof(g->name), "%s", name);
	n = strtoul(qs, &end, 10);
	if (*end != '\0' || n == 0 || n > RTE_MAX_QUEUES_PER_PORT)
		return -1;
	g->queues = (uint16_t)n;
	for (dev = strtok_r(devs, ",", &save); dev != NULL;
			dev = strtok_r(NULL, ",", &save)) {
		if (g->nb_ports == MAX_PORTS ||
				rte_eth_dev_get_port_by_name(dev,
					&g->ports[g->nb_ports]) != 0) {
			printf("error=no port %s\n", dev);
			return -1;
		}
		g->nb_ports++;
	}
	if (g->nb_ports == 0)
		return -1;
	nb_groups++;
	return 0;
}

static int
detach(const char *name)
{
	struct rte_eth_dev_info info;
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
			rte_eth_dev_info_get(port, &info) != 0)
		return -1;
	return rte_dev_remove(info.device);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "group", required_argument, NULL, 'g' },
		{ "detach", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int k;
	uint16_t i;
	int ret, c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Nothing of EAL's start-up in the counts. */
	CALLGRIND_STOP_INSTRUMENTATION;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("error=EAL init failed\n");
		return 2;
	}
	argc -= ret;
	argv += ret;
	/* Single-threaded here: no lcore is launched. */
	/* NOLINTNEXTLINE(concurrency-mt-unsafe) */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rounds = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			if (detach(optarg) != 0) {
				printf("error=cannot detach %s\n", optarg);
				return 2;
			}
			break;
		case 'g':
			if (parse_group(optarg) != 0) {
				printf("error=bad group %s\n", optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	pool = rte_pktmbuf_pool_create("bench_pool", 8191, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		printf("error=no memory\n");
		return 2;
	}
	for (k = 0; k < nb_groups; k++) {
		struct group *g = &groups[k];
		struct counts warm = { 0 }, cnt = { 0 };
		struct timespec c0, c1;
		uint64_t tsc;

		for (i = 0; i < g->nb_ports; i++)
			if (port_up(g->ports[i], g->queues) != 0)
				return 1;
		/* Bonding activates a member only once it saw its link up. */
		for (i = 0; i < g->nb_ports; i++)
			if (link_wait(g->ports[i]) != 0)
				printf("warning=%s: port %u link down\n",
					g->name, g->ports[i]);
		bench_loop(g, WARMUP_ROUNDS, &warm);
		CALLGRIND_START_INSTRUMENTATION;
		CALLGRIND_ZERO_STATS;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		tsc = rte_rdtsc_precise();
		bench_loop(g, rounds, &cnt);
		tsc = rte_rdtsc_precise() - tsc;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		CALLGRIND_DUMP_STATS_AT(g->name);
		CALLGRIND_STOP_INSTRUMENTATION;
		printf("group=%s queues=%u ports=%u bursts=%" PRIu64
			" rx_pkts=%" PRIu64 " tx_pkts=%" PRIu64 " tsc=%" PRIu64
			" cpu_ns=%" PRIu64 "\n", g->name, g->queues, g->nb_ports,
			cnt.bursts, cnt.rx, cnt.tx, tsc,
			(uint64_t)(c1.tv_sec - c0.tv_sec) * 1000000000 +
			(uint64_t)c1.tv_nsec - (uint64_t)c0.tv_nsec);
		for (i = 0; i < g->nb_ports; i++)
			rte_eth_dev_stop(g->ports[i]);
	}
	/* Failover ports first: they release their sub-devices. */
	for (k = nb_groups; k-- > 0;)
		for (i = 0; i < groups[k].nb_ports; i++)
			if (rte_eth_dev_is_valid_port(groups[k].ports[i]))
				rte_eth_dev_close(groups[k].ports[i]);
	printf("tsc_hz=%" PRIu64 "\ndone=1\n", rte_get_tsc_hz());
	rte_eal_cleanup();
	return 0;
}
