/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Functional harness for the failover PMD, under EAL.
 *
 * Sends numbered UDP packets on every queue of the failover port from one
 * lcore per queue (which also polls RX), drains the standby's vhost-user peer
 * on another lcore, removes a sub-device by the chosen path in the middle of
 * the stream, and reports what happened as key=value lines for the tests:
 * packets per path, sequence numbers seen by the peer, time from the removal
 * to the first packet on the standby, stats monotonicity, and whether every
 * mbuf came back to the pool.
 *
 * The removal paths are the ones the PMD listens to:
 *   rmv        ethdev RTE_ETH_EVENT_INTR_RMV, raised as a driver would
 *   dev-event  EAL RTE_DEV_EVENT_REMOVE, raised as the vfio/uevent path would
 *   destroy    rte_dev_remove() of the device, as testpmd's "device detach"
 *   link       link down (the device stays); a device without the link
 *              op (net_null) loses its carrier instead: its link status is
 *              set down, as its driver's interrupt handler would, and LSC
 *              is raised
 *   dev-event2 RTE_DEV_EVENT_REMOVE twice in a row, and once more after
 *              the release, as vfio repeats its release request
 */

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_udp.h>

#define BURST 32
#define MAGIC 0x466f5371u	/* "FoSq" */
#define PKT_LEN 64
#define MAX_QUEUES 8
#define WAIT_S 20

struct payload {
	uint32_t magic;
	uint64_t seq;
} __attribute__((__packed__));

static struct {
	const char *primary;
	const char *standby;
	const char *peer;
	const char *remove_via;
	const char *remove_role;
	const char *peer_log;
	const char *create;
	const char *settings;
	const char *primary_args;
	const char *vias;
	/* Pause between cycles, traffic going on. */
	uint32_t cycle_gap_ms;
	uint32_t cycles;
	uint16_t queues;
	uint64_t packets;
	uint64_t remove_at;
	uint64_t rate;
	uint64_t readd_at;
	int control_thread;
	int link_poll;
	int lsc;
} opt = {
	.remove_via = "none",
	.remove_role = "primary",
	.queues = 1,
	.packets = 20000,
	.remove_at = 10000,
	.rate = 200000,
};

#define MAX_PEERS 2

static uint16_t fo_port, primary_port = UINT16_MAX, standby_port;
static uint16_t peer_port = UINT16_MAX;
/* Further vhost backends (a virtio-user primary's), drained, not logged. */
static uint16_t extra_peers[MAX_PEERS];
static unsigned int nb_extra_peers;
static const char *extra_peer_names[MAX_PEERS];

#define MAX_STEPS 64
static const char *steps[MAX_STEPS];
static unsigned int nb_steps;
static struct rte_mempool *pool;
static volatile int stop_workers;
static volatile int stop_peer;

/* Per-queue worker results; each written by one lcore only. */
static struct worker {
	uint64_t sent;
	uint64_t received;
	uint64_t bad_port;
	uint64_t retries;
	/* Loops completed: every burst call returned (no stuck lcore). */
	uint64_t beats;
	/* Acknowledges pause_req: not inside any call on the port. */
	int paused;
} __rte_cache_aligned workers[MAX_QUEUES];

/*
 * The application's own discipline around stop, reconfigure and close:
 * its lcores stop polling the port first (pause_workers() waits until
 * each one says so). Queues at or above nb_active are not polled.
 */
static int pause_req;
static uint16_t nb_active = MAX_QUEUES;
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static int fo_closed;
/*
 * A callback may close the port, in whichever thread the PMD runs it: from
 * then on the main thread no longer reads the port's stats, as an
 * application must not use a port that another thread may be closing.
 */
static int close_armed;

/*
 * tx_prepare, like tx_burst, belongs to the queue's own lcore: the fastpath
 * step asks worker 0 to call it (1: asked, 2: answered in prepare_ret).
 */
static int prepare_req;
static int prepare_ret;

/*
 * --link-poll: worker 0 reads the failover link with
 * rte_eth_link_get_nowait() on every loop, as a datapath lcore watching the
 * carrier would, and keeps the longest call (TSC cycles).
 */
static uint64_t link_nowait_max;
static uint64_t link_nowait_errors;

/* What SIGBUS did once the application enabled EAL's hotplug handler. */
static struct sigaction app_sigbus;

static uint64_t peer_received;
static uint64_t peer_first_tsc;
/* Hotplug calls of ours retried because a secondary vanished meanwhile. */
static unsigned int hotplug_retries;
/* SIGUSR1: end the cycles after the current one. */
static volatile sig_atomic_t cycles_stop;
static uint64_t *peer_seqs;
static uint64_t peer_nb_seqs;

static void
on_sigusr1(int sig)
{
	RTE_SET_USED(sig);
	cycles_stop = 1;
}

static uint64_t
total_retries(void)
{
	uint64_t n = 0;
	uint16_t q;

	for (q = 0; q < opt.queues; q++)
		n += __atomic_load_n(&workers[q].retries, __ATOMIC_RELAXED);
	return n;
}

static uint64_t
total_sent(void)
{
	uint64_t n = 0;
	uint16_t q;

	for (q = 0; q < opt.queues; q++)
		n += __atomic_load_n(&workers[q].sent, __ATOMIC_RELAXED);
	return n;
}

static struct rte_mbuf *
make_packet(uint64_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct payload *pl;

	if (m == NULL)
		return NULL;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(eth, 0, PKT_LEN);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(fo_port, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16(PKT_LEN - sizeof(*eth));
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(9000);
	udp->dst_port = rte_cpu_to_be_16(9001);
	udp->dgram_len = rte_cpu_to_be_16(PKT_LEN - sizeof(*eth) -
			sizeof(*ip));
	pl = (struct payload *)(udp + 1);
	pl->magic = MAGIC;
	pl->seq = seq;
	m->data_len = PKT_LEN;
	m->pkt_len = PKT_LEN;
	return m;
}

/* The sequence number of one of our packets, or UINT64_MAX. */
static uint64_t
packet_seq(struct rte_mbuf *m)
{
	const struct payload *pl;
	size_t off = sizeof(struct rte_ether_hdr) +
		sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);

	if (rte_pktmbuf_data_len(m) < off + sizeof(*pl))
		return UINT64_MAX;
	pl = rte_pktmbuf_mtod_offset(m, const struct payload *, off);
	return pl->magic == MAGIC ? pl->seq : UINT64_MAX;
}

/* One lcore per queue: send this queue's share of numbered packets, paced,
 * retrying what TX did not take; poll RX and check mbuf->port. */
static int
worker_main(void *arg)
{
	uint16_t q = (uint16_t)(uintptr_t)arg;
	struct worker *w = &workers[q];
	uint64_t share = opt.packets / opt.queues;
	uint64_t hz = rte_get_timer_hz();
	uint64_t per_q_rate = opt.rate / opt.queues;
	uint64_t start = rte_get_timer_cycles();
	struct rte_mbuf *tx[BURST], *rx[BURST];
	uint16_t nb_tx = 0, n, i;
	uint64_t next = 0;

	while (!stop_workers) {
		uint64_t allowed = per_q_rate == 0 ? share :
			(rte_get_timer_cycles() - start) * per_q_rate / hz;

		if (__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE) ||
				q >= __atomic_load_n(&nb_active,
					__ATOMIC_ACQUIRE)) {
			__atomic_store_n(&w->paused, 1, __ATOMIC_RELEASE);
			rte_pause();
			continue;
		}
		__atomic_store_n(&w->paused, 0, __ATOMIC_SEQ_CST);
		/* Read pause_req again: the pauser may have missed the 0. */
		if (__atomic_load_n(&pause_req, __ATOMIC_SEQ_CST))
			continue;

		while (nb_tx < BURST && next < share && next < allowed) {
			tx[nb_tx] = make_packet((uint64_t)q << 48 | next);
			if (tx[nb_tx] == NULL)
				break;
			nb_tx++;
			next++;
		}
		if (nb_tx > 0) {
			n = rte_eth_tx_burst(fo_port, q, tx, nb_tx);
			__atomic_store_n(&w->sent, w->sent + n,
				__ATOMIC_RELAXED);
			if (n < nb_tx) {
				memmove(tx, tx + n, (nb_tx - n) * sizeof(tx[0]));
				w->retries++;
			}
			nb_tx -= n;
		}
		if (q == 0 && __atomic_load_n(&prepare_req, __ATOMIC_ACQUIRE)
				== 1) {
			struct rte_mbuf *m = make_packet(0);

			prepare_ret = m == NULL ? -ENOMEM :
				rte_eth_tx_prepare(fo_port, 0, &m, 1);
			rte_pktmbuf_free(m);
			__atomic_store_n(&prepare_req, 2, __ATOMIC_RELEASE);
		}
		if (q == 0 && opt.link_poll) {
			struct rte_eth_link link;
			uint64_t t0 = rte_get_timer_cycles(), dt;

			if (rte_eth_link_get_nowait(fo_port, &link) != 0)
				__atomic_fetch_add(&link_nowait_errors, 1,
					__ATOMIC_RELAXED);
			dt = rte_get_timer_cycles() - t0;
			if (dt > link_nowait_max)
				__atomic_store_n(&link_nowait_max, dt,
					__ATOMIC_RELAXED);
		}
		n = rte_eth_rx_burst(fo_port, q, rx, BURST);
		for (i = 0; i < n; i++) {
			if (rx[i]->port != fo_port)
				w->bad_port++;
		}
		if (n > 0) {
			rte_pktmbuf_free_bulk(rx, n);
			__atomic_store_n(&w->received, w->received + n,
				__ATOMIC_RELAXED);
		}
		__atomic_store_n(&w->beats, w->beats + 1, __ATOMIC_RELAXED);
	}
	if (nb_tx > 0)
		rte_pktmbuf_free_bulk(tx, nb_tx);
	return 0;
}

/* The vhost-user side of the standby: count and log what it transmits,
 * and feed it a trickle of packets so its RX path is exercised too. */
static int
peer_main(void *arg)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t feed_seq = 1ULL << 62;
	uint16_t n, i, q = 0;

	RTE_SET_USED(arg);
	while (!stop_peer) {
		/* One vhost queue per failover queue: drain them all. */
		q = (q + 1) % opt.queues;
		n = rte_eth_rx_burst(peer_port, q, pkts, BURST);
		for (i = 0; i < n; i++) {
			uint64_t seq = packet_seq(pkts[i]);

			if (seq == UINT64_MAX)
				continue;
			if (peer_first_tsc == 0)
				__atomic_store_n(&peer_first_tsc,
					rte_get_timer_cycles(),
					__ATOMIC_RELEASE);
			if (peer_seqs != NULL && peer_nb_seqs < opt.packets * 2)
				peer_seqs[peer_nb_seqs++] = seq;
		}
		if (n > 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			__atomic_store_n(&peer_received, peer_received + n,
				__ATOMIC_RELAXED);
		}
		pkts[0] = make_packet(feed_seq++);
		if (pkts[0] != NULL && rte_eth_tx_burst(peer_port, q, pkts, 1)
				== 0)
			rte_pktmbuf_free(pkts[0]);
		for (i = 0; i < nb_extra_peers; i++) {
			uint16_t m = rte_eth_rx_burst(extra_peers[i], q, pkts,
				BURST);

			if (m > 0)
				rte_pktmbuf_free_bulk(pkts, m);
		}
	}
	return 0;
}

static uint64_t stats_prev[sizeof(struct rte_eth_stats) / sizeof(uint64_t)];
static int stats_monotonic = 1;

/* Read the failover port's stats; every counter must be non-decreasing. */
static void
check_stats(void)
{
	struct rte_eth_stats st;
	const uint64_t *v = (const uint64_t *)&st;
	size_t i;

	if (__atomic_load_n(&close_armed, __ATOMIC_ACQUIRE) ||
			rte_eth_stats_get(fo_port, &st) != 0)
		return;
	for (i = 0; i < RTE_DIM(stats_prev); i++) {
		if (v[i] < stats_prev[i]) {
			if (stats_monotonic)
				printf("stats_decrease=field%zu:%" PRIu64
					"->%" PRIu64 "\n", i, stats_prev[i],
					v[i]);
			stats_monotonic = 0;
		}
		stats_prev[i] = v[i];
	}
}

static uint64_t
port_ipackets(uint16_t port)
{
	struct rte_eth_stats st;

	if (!rte_eth_dev_is_valid_port(port) ||
			rte_eth_stats_get(port, &st) != 0)
		return 0;
	return st.ipackets;
}

static uint64_t
port_opackets(uint16_t port)
{
	struct rte_eth_stats st;

	if (!rte_eth_dev_is_valid_port(port) ||
			rte_eth_stats_get(port, &st) != 0)
		return 0;
	return st.opackets;
}

/* Poll a condition, checking stats as we go; 0 when it came true. */
#define WAIT_FOR(cond) ({ \
	uint64_t _end = rte_get_timer_cycles() + WAIT_S * rte_get_timer_hz(); \
	int _ok = 0; \
	while (rte_get_timer_cycles() < _end) { \
		check_stats(); \
		if (cond) { _ok = 1; break; } \
		rte_delay_us_sleep(100); \
	} \
	_ok ? 0 : -1; })

/*
 * --create: the failover vdev, as an application creates one after EAL's
 * start. rte_vdev_init() and not rte_dev_probe(): both probe the same way
 * in a process without secondaries, but rte_dev_probe() refuses devargs
 * of 128 characters or more from DPDK 24.11.7 on (the size of its message
 * to secondaries), and two parenthesized virtio-user strings are longer.
 */
static int
create_failover(const char *devargs)
{
	const char *comma = strchr(devargs, ',');
	char name[RTE_DEV_NAME_MAX_LEN];
	size_t len = comma != NULL ? (size_t)(comma - devargs) :
		strlen(devargs);

	if (len >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, devargs, len);
	name[len] = '\0';
	return rte_vdev_init(name, comma != NULL ? comma + 1 : NULL);
}

static int
find_port(const char *name, uint16_t *port)
{
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		printf("error=no port %s\n", name);
		return -1;
	}
	return 0;
}

/* Stop the lcores polling the failover port, as before a stop or close. */
static void
pause_workers(void)
{
	uint16_t q;

	pthread_mutex_lock(&pause_lock);
	__atomic_store_n(&pause_req, 1, __ATOMIC_SEQ_CST);
	for (q = 0; q < opt.queues; q++) {
		while (!__atomic_load_n(&workers[q].paused, __ATOMIC_SEQ_CST))
			rte_pause();
	}
}

static void
resume_workers(void)
{
	__atomic_store_n(&pause_req, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&pause_lock);
}

/* Every lcore polling a queue completes bursts: none is stuck inside. */
static int
check_lcores(void)
{
	uint64_t before[MAX_QUEUES];
	uint16_t q;

	for (q = 0; q < opt.queues; q++)
		before[q] = __atomic_load_n(&workers[q].beats,
			__ATOMIC_RELAXED);
	for (q = 0; q < opt.queues; q++) {
		if (q >= __atomic_load_n(&nb_active, __ATOMIC_ACQUIRE) ||
				__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE))
			continue;
		if (WAIT_FOR(__atomic_load_n(&workers[q].beats,
				__ATOMIC_RELAXED) > before[q] + 10) != 0) {
			printf("error=lcore of queue %u stuck in a burst\n", q);
			return -1;
		}
	}
	return 0;
}

/*
 * The device is gone from its bus, not only its port: the port vanishes
 * inside the driver's remove, before the bus forgets the device, and a
 * probe of the same name in between would find the old one.
 */
static struct rte_device *
vdev_named(const char *name)
{
	struct rte_dev_iterator it;
	struct rte_device *dev, *found = NULL;

	RTE_DEV_FOREACH(dev, "bus=vdev", &it) {
		if (strcmp(rte_dev_name(dev), name) == 0)
			found = dev;
	}
	return found;
}

static bool
device_gone(const char *name)
{
	uint16_t port;

	return rte_eth_dev_get_port_by_name(name, &port) != 0 &&
		vdev_named(name) == NULL;
}

/* A carrier change as the driver's interrupt handler reports it. */
static int
set_carrier(uint16_t port, bool up)
{
	struct rte_eth_link link;
	int ret;

	ret = up ? rte_eth_dev_set_link_up(port) :
		rte_eth_dev_set_link_down(port);
	if (ret == -ENOTSUP) {
		/* net_null has no link op, and its link_update keeps this. */
		memset(&link, 0, sizeof(link));
		link.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
		link.link_speed = up ? RTE_ETH_SPEED_NUM_10G :
			RTE_ETH_SPEED_NUM_NONE;
		link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
		rte_eth_linkstatus_set(&rte_eth_devices[port], &link);
		ret = 0;
	}
	if (ret != 0)
		return ret;
	/* As a driver with LSC support would announce it. */
	rte_eth_dev_callback_process(&rte_eth_devices[port],
		RTE_ETH_EVENT_INTR_LSC, NULL);
	return 0;
}

static int
do_remove(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (strcmp(opt.remove_via, "rmv") == 0) {
		rte_eth_dev_callback_process(&rte_eth_devices[port],
			RTE_ETH_EVENT_INTR_RMV, NULL);
		return 0;
	}
	if (rte_eth_dev_info_get(port, &info) != 0)
		return -1;
	if (strcmp(opt.remove_via, "dev-event") == 0 ||
			strcmp(opt.remove_via, "dev-event2") == 0) {
		char name[RTE_DEV_NAME_MAX_LEN];

		/* A copy: the device may be gone before the repeat. */
		snprintf(name, sizeof(name), "%s", rte_dev_name(info.device));
		rte_dev_event_callback_process(name, RTE_DEV_EVENT_REMOVE);
		/* vfio repeats its request until the device is released. */
		if (opt.remove_via[9] == '2')
			rte_dev_event_callback_process(name,
				RTE_DEV_EVENT_REMOVE);
		return 0;
	}
	if (strcmp(opt.remove_via, "destroy") == 0)
		return rte_dev_remove(info.device);
	if (strcmp(opt.remove_via, "link") == 0)
		return set_carrier(port, false);
	printf("error=unknown removal path %s\n", opt.remove_via);
	return -1;
}

/*
 * The vdev bus keeps its drivers in a list no application can read, but
 * the driver of a device probed from the same name is the registered one:
 * probe a second device of the driver family, compare, remove it again.
 */
static bool
driver_is_own(const char *name)
{
	char twin[64];
	struct rte_device *dev, *ref;
	bool same;

	dev = vdev_named(name);
	if (dev == NULL || rte_dev_driver(dev) == NULL)
		return false;
	snprintf(twin, sizeof(twin), "%s_twin%d",
		rte_driver_name(rte_dev_driver(dev)), getpid() & 0xffff);
	if (rte_dev_probe(twin) != 0)
		return false;
	ref = vdev_named(twin);
	same = ref != NULL && rte_dev_driver(ref) == rte_dev_driver(dev);
	printf("driver_is_own=%s %s (%p, registered %p)\n",
		same ? "yes" : "no", name, (const void *)rte_dev_driver(dev),
		ref != NULL ? (const void *)rte_dev_driver(ref) : NULL);
	if (ref != NULL)
		rte_dev_remove(ref);
	return same;
}

static bool want(const char *name);
static bool in_list(const char *list, const char *name);

/*
 * close-on-lsc: the application closes the failover port from the port's
 * own LSC callback, in whichever thread the PMD raises it.
 */
static int
close_on_lsc(uint16_t port, enum rte_eth_event_type type, void *arg,
		void *ret_param)
{
	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret_param);
	static int closing;

	/* The stop below announces a switch too: once is enough. */
	if (port != fo_port || __atomic_exchange_n(&closing, 1,
			__ATOMIC_ACQ_REL))
		return 0;
	pause_workers();
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	__atomic_store_n(&fo_closed, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The PMD given with -d, for its API (the harness is not linked to it). */
static const char *pmd_path;

/* close-on-switch: the same from the PMD's switchover callback. */
static void
close_on_switch(uint16_t port, int from, int to, void *arg)
{
	RTE_SET_USED(from);
	RTE_SET_USED(to);
	RTE_SET_USED(arg);
	close_on_lsc(port, RTE_ETH_EVENT_INTR_LSC, NULL, NULL);
}

static int
register_close_on_switch(void)
{
	int (*reg)(uint16_t, void (*)(uint16_t, int, int, void *), void *);
	void *h;

	h = pmd_path != NULL ? dlopen(pmd_path, RTLD_NOW | RTLD_NOLOAD) : NULL;
	if (h == NULL)
		return -1;
	*(void **)&reg = dlsym(h, "rte_pmd_failover_switch_callback_register");
	dlclose(h);
	return reg != NULL ? reg(fo_port, close_on_switch, NULL) : -1;
}

static int
setup_port(uint16_t port, uint16_t nb_q)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (port == fo_port && (want("rss") || want("reta"))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP;
	}
	if (port == fo_port && want("vlan"))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
	if (port == fo_port && opt.lsc)
		conf.intr_conf.lsc = 1;
	ret = rte_eth_dev_configure(port, nb_q, nb_q, &conf);
	for (q = 0; ret == 0 && q < nb_q; q++)
		ret = rte_eth_rx_queue_setup(port, q, 256, rte_socket_id(),
			NULL, pool);
	for (q = 0; ret == 0 && q < nb_q; q++)
		ret = rte_eth_tx_queue_setup(port, q, 256, rte_socket_id(),
			NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		printf("error=port %u setup failed: %s\n", port,
			rte_strerror(-ret));
	return ret;
}

/*
 * Settings the application makes on the failover port, which every
 * re-adopted primary must have again.
 */
static const struct rte_ether_addr set_mac = {{ 0x02, 0xfa, 0, 0, 0, 0x42 }};
static const struct rte_ether_addr extra_mac[2] = {
	{{ 0x02, 0xfa, 0, 0, 0, 0x51 }}, {{ 0x02, 0xfa, 0, 0, 0, 0x52 }} };
static uint8_t rss_key[40];
static struct rte_eth_rss_reta_entry64 reta[8];
static uint16_t reta_size;

/* Whether the comma-separated @p list holds @p name. */
static bool
in_list(const char *list, const char *name)
{
	const char *p = list;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : NULL;
	}
	return false;
}

static bool
want(const char *name)
{
	return in_list(opt.settings, name);
}

#define APPLY(what, call) do { \
	int _r = (call); \
	if (_r != 0) { \
		printf("error=setting %s refused: %s\n", what, \
			rte_strerror(-_r)); \
		return -1; \
	} \
} while (0)

static int
apply_settings(void)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rss_conf rss;
	uint16_t i;

	if (want("mtu"))
		APPLY("mtu", rte_eth_dev_set_mtu(fo_port, 1400));
	if (want("mac"))
		APPLY("mac", rte_eth_dev_default_mac_addr_set(fo_port,
			(struct rte_ether_addr *)(uintptr_t)&set_mac));
	if (want("macs")) {
		/* Add two, remove the first: the journal keeps no hole. */
		for (i = 0; i < 2; i++)
			APPLY("macs", rte_eth_dev_mac_addr_add(fo_port,
				(struct rte_ether_addr *)(uintptr_t)
				&extra_mac[i], 0));
		APPLY("macs", rte_eth_dev_mac_addr_remove(fo_port,
			(struct rte_ether_addr *)(uintptr_t)&extra_mac[0]));
	}
	if (want("promisc"))
		APPLY("promisc", rte_eth_promiscuous_enable(fo_port));
	if (want("vlan"))
		APPLY("vlan", rte_eth_dev_vlan_filter(fo_port, 100, 1));
	if (want("rss")) {
		for (i = 0; i < sizeof(rss_key); i++)
			rss_key[i] = (uint8_t)(i * 7 + 1);
		memset(&rss, 0, sizeof(rss));
		rss.rss_key = rss_key;
		rss.rss_key_len = sizeof(rss_key);
		rss.rss_hf = RTE_ETH_RSS_IP;
		APPLY("rss", rte_eth_dev_rss_hash_update(fo_port, &rss));
	}
	if (want("reta")) {
		APPLY("reta", rte_eth_dev_info_get(fo_port, &info));
		reta_size = RTE_MIN(info.reta_size, (uint16_t)512);
		for (i = 0; i < reta_size; i++) {
			reta[i / 64].mask |= UINT64_C(1) << (i % 64);
			/* Not the default spread: the last queue first. */
			reta[i / 64].reta[i % 64] = (opt.queues - 1 - i %
				opt.queues);
		}
		APPLY("reta", rte_eth_dev_rss_reta_update(fo_port, reta,
			reta_size));
	}
	return 0;
}

#define VERIFY(what, cond) do { \
	if (!(cond)) { \
		printf("setting_lost=%s on port %u\n", what, port); \
		ok = false; \
	} \
} while (0)

/* Read the settings back from the sub-device itself. */
static bool
verify_settings(uint16_t port)
{
	struct rte_eth_dev_data *data = rte_eth_devices[port].data;
	struct rte_eth_rss_reta_entry64 got[8];
	struct rte_eth_rss_conf rss;
	struct rte_ether_addr mac;
	uint8_t key[64];
	uint16_t mtu, i;
	bool ok = true;
	bool has[2] = { false, false };
	uint32_t k;

	if (want("mtu"))
		VERIFY("mtu", rte_eth_dev_get_mtu(port, &mtu) == 0 &&
			mtu == 1400);
	if (want("mac"))
		VERIFY("mac", rte_eth_macaddr_get(port, &mac) == 0 &&
			rte_is_same_ether_addr(&mac, &set_mac));
	if (want("macs")) {
		for (k = 1; k < 64 && data->mac_addrs != NULL; k++) {
			for (i = 0; i < 2; i++)
				has[i] |= rte_is_same_ether_addr(
					&data->mac_addrs[k], &extra_mac[i]);
		}
		VERIFY("macs", !has[0] && has[1]);
	}
	if (want("promisc"))
		VERIFY("promisc", rte_eth_promiscuous_get(port) == 1);
	if (want("vlan"))
		VERIFY("vlan", (data->vlan_filter_conf.ids[100 / 64] &
			(UINT64_C(1) << (100 % 64))) != 0);
	if (want("rss")) {
		memset(&rss, 0, sizeof(rss));
		rss.rss_key = key;
		rss.rss_key_len = sizeof(key);
		VERIFY("rss", rte_eth_dev_rss_hash_conf_get(port, &rss) == 0 &&
			memcmp(key, rss_key, sizeof(rss_key)) == 0);
	}
	if (want("reta")) {
		memcpy(got, reta, sizeof(got));
		for (i = 0; i < 8; i++)
			memset(got[i].reta, 0xff, sizeof(got[i].reta));
		VERIFY("reta", rte_eth_dev_rss_reta_query(port, got,
			reta_size) == 0);
		for (i = 0; ok && i < reta_size; i++)
			VERIFY("reta", got[i / 64].reta[i % 64] ==
				reta[i / 64].reta[i % 64]);
	}
	return ok;
}

/*
 * EAL's hotplug in a primary asks every secondary process first and fails
 * when one vanishes meanwhile (a killed dpdk-proc-info): as an application
 * with secondaries coming and going must, try again. Nothing changed if it
 * failed so.
 */
static int
hotplug_retry(int (*call)(const char *), const char *what)
{
	int ret, tries;

	for (tries = 0; tries < 50; tries++) {
		ret = call(what);
		if (ret != -ENOMSG)
			break;
		hotplug_retries++;
		rte_delay_us_sleep(10000);
	}
	return ret;
}

static int remove_by_name(const char *via, const char *name);

static int
detach_named(const char *name)
{
	return remove_by_name("destroy", name);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Remove the primary (rotating the removal paths) and plug it back, as a
 * hypervisor does around a migration, with traffic on every queue; after
 * each cycle the primary must carry TX again with every setting, and every
 * lcore must still be completing bursts. "link" takes the carrier away and
 * gives it back instead: the device stays, and is not re-adopted.
 */
static int
run_cycles(void)
{
	static const char * const all[] = {
		"rmv", "dev-event", "dev-event2", "destroy", "link",
	};
	const char *vias[RTE_DIM(all)];
	unsigned int nb_vias = 0, v;
	uint64_t *readopt = calloc(opt.cycles, sizeof(uint64_t));
	uint64_t hz = rte_get_timer_hz(), t0, before;
	uint32_t c, verified = 0, link_cycles = 0;
	uint64_t switch_max = 0, detach_max = 0;
	int ret = 0;

	if (readopt == NULL)
		return -1;
	/* --vias picks the removal paths to rotate (default: all). */
	for (v = 0; v < RTE_DIM(all); v++) {
		if (opt.vias == NULL || in_list(opt.vias, all[v]))
			vias[nb_vias++] = all[v];
	}
	signal(SIGUSR1, on_sigusr1);
	for (c = 0; c < opt.cycles && nb_vias > 0 && !cycles_stop; c++) {
		bool link = strcmp(vias[c % nb_vias], "link") == 0;

		opt.remove_via = vias[c % nb_vias];
		before = port_opackets(standby_port);
		t0 = rte_get_timer_cycles();
		if (strcmp(opt.remove_via, "destroy") == 0)
			ret = hotplug_retry(detach_named, opt.primary);
		else
			ret = do_remove(primary_port);
		/* Traffic goes on over the standby at once. */
		if (ret == 0 && WAIT_FOR(port_opackets(standby_port) >
				before) != 0) {
			printf("error=cycle %u: no traffic on the standby\n",
				c);
			ret = -1;
			break;
		}
		/*
		 * The application's detach returns only after EAL's requests to
		 * the secondary processes: counted apart.
		 */
		if (strcmp(opt.remove_via, "destroy") == 0)
			detach_max = RTE_MAX(detach_max,
				(rte_get_timer_cycles() - t0) * 1000000 / hz);
		else
			switch_max = RTE_MAX(switch_max,
				(rte_get_timer_cycles() - t0) * 1000000 / hz);
		/* The device goes after, in the PMD's own time. */
		if (ret != 0 || (!link &&
				WAIT_FOR(device_gone(opt.primary)) != 0)) {
			printf("error=cycle %u: %s removal not completed\n",
				c, opt.remove_via);
			ret = -1;
			break;
		}
		/* A late repeat of the request: the device is gone already. */
		if (strcmp(opt.remove_via, "dev-event2") == 0)
			rte_dev_event_callback_process(opt.primary,
				RTE_DEV_EVENT_REMOVE);
		t0 = rte_get_timer_cycles();
		if (link) {
			link_cycles++;
			before = port_opackets(primary_port);
			ret = set_carrier(primary_port, true);
		} else {
			before = 0;
			ret = hotplug_retry(rte_dev_probe, opt.primary_args);
			/* A secondary's failure to attach leaves ours done. */
			if (ret != 0 && find_port(opt.primary,
					&primary_port) == 0)
				ret = 0;
		}
		if (ret != 0 || find_port(opt.primary, &primary_port) != 0) {
			printf("error=cycle %u: cannot plug the primary back "
				"(%s)\n", c, rte_strerror(-ret));
			ret = -1;
			break;
		}
		/* Back when the primary's own counter moves: TX is on it. */
		if (WAIT_FOR(port_opackets(primary_port) > before) != 0) {
			printf("error=cycle %u: primary not back\n", c);
			ret = -1;
			break;
		}
		readopt[c] = (rte_get_timer_cycles() - t0) * 1000000 / hz;
		if (!verify_settings(primary_port) || check_lcores() != 0) {
			ret = -1;
			break;
		}
		verified++;
		if (opt.cycle_gap_ms != 0)
			rte_delay_us_sleep(opt.cycle_gap_ms * 1000);
	}
	printf("cycles=%u\ncycles_verified=%u\nlink_cycles=%u\n", c, verified,
		link_cycles);
	printf("hotplug_retries=%u\nswitch_us_max=%" PRIu64 "\n"
		"detach_switch_us_max=%" PRIu64 "\n",
		hotplug_retries, switch_max, detach_max);
	if (verified > 0) {
		qsort(readopt, verified, sizeof(readopt[0]), cmp_u64);
		printf("readopt_us_median=%" PRIu64 "\nreadopt_us_max=%"
			PRIu64 "\n", readopt[verified / 2],
			readopt[verified - 1]);
	}
	free(readopt);
	return ret;
}

/* Whether the failover port owns @p port. */
static bool
owned_by_failover(uint16_t port)
{
	struct rte_eth_dev_owner owner;

	return rte_eth_dev_owner_get(port, &owner) == 0 &&
		strncmp(owner.name, "net_failover", 12) == 0;
}

static bool
unowned(uint16_t port)
{
	struct rte_eth_dev_owner owner;

	return rte_eth_dev_owner_get(port, &owner) == 0 &&
		owner.id == RTE_ETH_DEV_NO_OWNER;
}

/* A port of @p name, owned by the failover port, transmitting. */
static bool
carries_tx(const char *name)
{
	uint16_t port;

	return rte_eth_dev_get_port_by_name(name, &port) == 0 &&
		owned_by_failover(port) && port_opackets(port) > 0;
}

/* Owned by the failover port, kept out: not started, nothing sent. */
static bool
held_out(const char *name)
{
	uint16_t port;

	return rte_eth_dev_get_port_by_name(name, &port) == 0 &&
		owned_by_failover(port) &&
		!rte_eth_devices[port].data->dev_started &&
		port_opackets(port) == 0;
}

/*
 * The application's own control thread, calling control operations on the
 * failover port while the event thread switches: stats, xstats, MTU,
 * promiscuous mode, queue stop/start and, every few rounds, port stop and
 * start around a pause of its lcores. Refusals are fine (net_null has no
 * queue stop); a crash, a hang or a counter going backwards is not.
 */
static pthread_t control_tid;
static int control_stop;
static uint64_t control_ops, control_refused;

static void
control_op(int ret)
{
	control_ops++;
	if (ret != 0)
		control_refused++;
}

static void *
control_main(void *arg)
{
	struct rte_eth_xstat xs[64];
	struct rte_eth_stats st;
	uint16_t mtu = 1500;
	unsigned int round;

	RTE_SET_USED(arg);
	for (round = 0; !__atomic_load_n(&control_stop, __ATOMIC_ACQUIRE);
			round++) {
		control_op(rte_eth_stats_get(fo_port, &st));
		control_op(rte_eth_xstats_get(fo_port, xs, RTE_DIM(xs)) > 0 ?
			0 : -1);
		control_op(rte_eth_dev_get_mtu(fo_port, &mtu));
		control_op(rte_eth_dev_set_mtu(fo_port, mtu));
		control_op(round & 1 ? rte_eth_promiscuous_disable(fo_port) :
			rte_eth_promiscuous_enable(fo_port));
		control_op(rte_eth_dev_tx_queue_stop(fo_port, 0));
		control_op(rte_eth_dev_tx_queue_start(fo_port, 0));
		if (round % 8 == 7) {
			pause_workers();
			control_op(rte_eth_dev_stop(fo_port));
			control_op(rte_eth_dev_start(fo_port));
			resume_workers();
		}
		rte_delay_us_sleep(200);
	}
	return NULL;
}

static int
control_thread(bool on)
{
	if (on) {
		control_stop = 0;
		return pthread_create(&control_tid, NULL, control_main, NULL);
	}
	__atomic_store_n(&control_stop, 1, __ATOMIC_RELEASE);
	if (pthread_join(control_tid, NULL) != 0)
		return -1;
	printf("control_ops=%" PRIu64 "\ncontrol_refused=%" PRIu64 "\n",
		control_ops, control_refused);
	return 0;
}

/* Configure the failover port anew with @p nb_q queues, lcores paused. */
static int
reconfigure(uint16_t nb_q)
{
	int ret;

	pause_workers();
	ret = rte_eth_dev_stop(fo_port);
	if (ret == 0)
		ret = setup_port(fo_port, nb_q);
	__atomic_store_n(&nb_active, nb_q, __ATOMIC_RELEASE);
	resume_workers();
	return ret;
}

/* A sub-device port has the failover port's queue counts. */
static bool
same_queues(const char *name)
{
	uint16_t port;

	return rte_eth_dev_get_port_by_name(name, &port) == 0 &&
		rte_eth_devices[port].data->nb_rx_queues ==
			rte_eth_devices[fo_port].data->nb_rx_queues &&
		rte_eth_devices[port].data->nb_tx_queues ==
			rte_eth_devices[fo_port].data->nb_tx_queues;
}

/* Remove the device of @p name by @p via; 0 when the removal was raised. */
static int
remove_by_name(const char *via, const char *name)
{
	uint16_t port;

	/* By name: the PMD may be releasing the port right now. */
	if (strcmp(via, "destroy") == 0)
		return rte_eal_hotplug_remove("vdev", name);
	if (rte_eth_dev_get_port_by_name(name, &port) != 0)
		return -ENODEV;
	opt.remove_via = via;
	return do_remove(port);
}

/* The failover port's xstat @p name: the PMD reads its sub-devices. */
static uint64_t
fo_xstat(const char *name)
{
	uint64_t id, value;

	if (rte_eth_xstats_get_id_by_name(fo_port, name, &id) != 0 ||
			rte_eth_xstats_get_by_id(fo_port, &id, &value, 1) != 1)
		return 0;
	return value;
}

/*
 * The primary @p name transmits: the PMD's count of what it sent moves.
 * Not the sub-device's own counters: the PMD may be releasing the port
 * after a late removal, and ethdev cannot be asked about a port that
 * another thread is freeing.
 */
static bool
transmitting(const char *name)
{
	uint64_t before;
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
			!owned_by_failover(port))
		return false;
	before = fo_xstat("primary_opackets");
	rte_delay_us_sleep(1000);
	return fo_xstat("primary_opackets") > before;
}

/*
 * Plug the primary and remove it again at once, @p n times with delays
 * from 0 to 300 us, so that the removal falls on each stage of the
 * re-adoption (claimed in NEW, adopted, being brought up, published). A
 * removal raised before the adoption is not the PMD's to see (the port is
 * not a sub-device yet); then the device ends up adopted, and is detached.
 */
static int
plug_remove(const char *via, unsigned int n)
{
	unsigned int i, adopted = 0, released = 0;

	for (i = 0; i < n; i++) {
		if (rte_dev_probe(opt.primary_args) != 0) {
			printf("error=plug-remove %u: cannot plug\n", i);
			return -1;
		}
		rte_delay_us_block((i * 37) % 300);
		remove_by_name(via, opt.primary);
		if (WAIT_FOR(device_gone(opt.primary) ||
				transmitting(opt.primary)) != 0) {
			printf("error=plug-remove %u: neither gone nor "
				"adopted\n", i);
			return -1;
		}
		if (!device_gone(opt.primary)) {
			/*
			 * Adopted, or still being released after a removal
			 * seen late: detach it; the PMD may beat us to it.
			 */
			adopted++;
			remove_by_name("destroy", opt.primary);
			if (WAIT_FOR(device_gone(opt.primary)) != 0) {
				printf("error=plug-remove %u: not detached\n",
					i);
				return -1;
			}
		} else {
			released++;
		}
		if (check_lcores() != 0)
			return -1;
	}
	printf("plug_remove_released=%u\nplug_remove_adopted=%u\n", released,
		adopted);
	return 0;
}

/*
 * The PMD releases the primary after an ethdev RMV (deferred, in the
 * interrupt thread) while the application detaches the standby, @p us
 * after the RMV: the two removals meet on the vdev bus's lock.
 */
static int
rmv_then_detach(unsigned int us, const char *other)
{
	struct rte_eth_dev_info info;
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(other, &port) != 0 ||
			rte_eth_dev_info_get(port, &info) != 0 ||
			remove_by_name("rmv", opt.primary) != 0)
		return -1;
	rte_delay_us_block(us);
	return rte_dev_remove(info.device);
}

/*
 * Scripted steps, each "action:argument", run in order with traffic on:
 *   plug:DEVARGS         probe a device (a hot-plug)
 *   detach:NAME          rte_dev_remove() of a device
 *   mtu:N                set the failover port's MTU (must succeed)
 *   expect-adopted:NAME  the failover port owns it and sends through it
 *   expect-visible:NAME  it exists and nobody owns it
 *   expect-held:NAME     owned, not started, nothing sent through it, while
 *                        the standby keeps transmitting
 *   expect-standby-rx:yes|no
 *                        whether the standby is polled while the primary
 *                        transmits (measured over 10,000 failover TX)
 *   restart:-           stop and start the failover port (must succeed)
 *   fastpath:-           call the forwarded fast-path functions and
 *                        queries on queue 0 and print what they answer
 *                        (tx_prepare from queue 0's own lcore)
 *   dev-add:NAME         raise the EAL device event RTE_DEV_EVENT_ADD, as
 *                        the uevent monitor does when a device appears
 *   expect-no-path:drop|hold
 *                        with no sub-device: TX drops and counts, or takes
 *                        nothing so that the application retries
 *   stop:- / start:-     stop the failover port (lcores paused first), and
 *                        start it again (lcores resumed)
 *   close:-              stop and close the failover port (lcores paused
 *                        for good)
 *   remove:VIA:NAME      remove a device by one of the removal paths
 *   expect-owned:NAME    owned by the failover port and started
 *   expect-gone:NAME     no port and no device of that name any more
 *   expect-readoptions:N the PMD has re-adopted a primary N times (its
 *                        xstat): a removed port that is still owned and
 *                        has sent cannot pass for its successor
 *   expect-free:NAME     the device has no port, or one nobody owns
 *   sleep:US             wait, traffic going on
 *   plug-remove:VIA:N    plug the primary (--primary-args) and remove it at
 *                        once, N times (removal during the re-adoption)
 *   rmv-then-detach:US:NAME
 *                        RMV on the primary, and US later rte_dev_remove()
 *                        of the device NAME while the PMD releases it
 *   driver-is-own:NAME   the device's rte_driver is the one its bus
 *                        registered (what identity checks such as enic's
 *                        dev_is_enic() compare), and so is its remove
 *   control-thread:on|off
 *                        the application's control thread (control_main)
 *   reconfig:N           N times: detach the primary, plug it back and at
 *                        once configure the failover port with the other
 *                        queue count; then the sub-devices must have the
 *                        failover port's queue counts
 */
static int
run_steps(void)
{
	unsigned int i;
	uint64_t before;
	uint16_t port;
	int ok;

	for (i = 0; i < nb_steps; i++) {
		const char *arg = strchr(steps[i], ':');
		size_t alen;

		if (arg == NULL)
			return -1;
		alen = (size_t)(arg - steps[i]);
		arg++;
		if (strncmp(steps[i], "plug", alen) == 0) {
			ok = rte_dev_probe(arg) == 0;
		} else if (strncmp(steps[i], "detach", alen) == 0) {
			struct rte_eth_dev_info info;

			ok = rte_eth_dev_get_port_by_name(arg, &port) == 0 &&
				rte_eth_dev_info_get(port, &info) == 0 &&
				rte_dev_remove(info.device) == 0;
		} else if (strncmp(steps[i], "restart", alen) == 0) {
			ok = rte_eth_dev_stop(fo_port) == 0 &&
				rte_eth_dev_start(fo_port) == 0;
		} else if (strncmp(steps[i], "fastpath", alen) == 0) {
			char fw[32];

			/* From this (main) thread, as a monitoring app would. */
			printf("rx_queue_count=%d\n",
				rte_eth_rx_queue_count(fo_port, 0));
			printf("rx_descriptor_status=%d\n",
				rte_eth_rx_descriptor_status(fo_port, 0, 0));
			printf("tx_descriptor_status=%d\n",
				rte_eth_tx_descriptor_status(fo_port, 0, 0));
			__atomic_store_n(&prepare_req, 1, __ATOMIC_RELEASE);
			ok = WAIT_FOR(__atomic_load_n(&prepare_req,
				__ATOMIC_ACQUIRE) == 2) == 0;
			printf("tx_prepare=%d\n", prepare_ret);
			printf("fw_version=%d\n", rte_eth_dev_fw_version_get(
				fo_port, fw, sizeof(fw)));
		} else if (strncmp(steps[i], "dev-add", alen) == 0) {
			rte_dev_event_callback_process(arg, RTE_DEV_EVENT_ADD);
			ok = 1;
		} else if (strncmp(steps[i], "stop", alen) == 0) {
			pause_workers();
			ok = rte_eth_dev_stop(fo_port) == 0;
		} else if (strncmp(steps[i], "start", alen) == 0) {
			ok = rte_eth_dev_start(fo_port) == 0;
			resume_workers();
		} else if (strncmp(steps[i], "close", alen) == 0) {
			pause_workers();
			ok = rte_eth_dev_stop(fo_port) == 0 &&
				rte_eth_dev_close(fo_port) == 0;
			fo_closed = 1;
		} else if (strncmp(steps[i], "remove", alen) == 0) {
			char via[16];
			const char *name = strchr(arg, ':');

			ok = name != NULL && (size_t)(name - arg) < sizeof(via);
			if (ok) {
				memcpy(via, arg, name - arg);
				via[name - arg] = '\0';
				ok = remove_by_name(via, name + 1) == 0;
			}
		} else if (strncmp(steps[i], "expect-owned", alen) == 0) {
			ok = WAIT_FOR(rte_eth_dev_get_port_by_name(arg,
				&port) == 0 && owned_by_failover(port) &&
				rte_eth_devices[port].data->dev_started) == 0;
		} else if (strncmp(steps[i], "expect-gone", alen) == 0) {
			ok = WAIT_FOR(device_gone(arg)) == 0;
		} else if (strncmp(steps[i], "expect-readoptions", alen) == 0) {
			ok = WAIT_FOR(fo_xstat("failover_readoptions") >=
				strtoull(arg, NULL, 10)) == 0;
		} else if (strncmp(steps[i], "expect-free", alen) == 0) {
			ok = WAIT_FOR(rte_eth_dev_get_port_by_name(arg,
				&port) != 0 || unowned(port)) == 0;
		} else if (strncmp(steps[i], "sleep", alen) == 0) {
			rte_delay_us_sleep(atoi(arg));
			ok = 1;
		} else if (strncmp(steps[i], "plug-remove", alen) == 0) {
			char via[16];
			const char *n = strchr(arg, ':');

			ok = n != NULL && (size_t)(n - arg) < sizeof(via) &&
				opt.primary_args != NULL;
			if (ok) {
				memcpy(via, arg, n - arg);
				via[n - arg] = '\0';
				ok = plug_remove(via, atoi(n + 1)) == 0;
			}
		} else if (strncmp(steps[i], "rmv-then-detach", alen) == 0) {
			const char *name = strchr(arg, ':');

			ok = name != NULL && rmv_then_detach(atoi(arg),
				name + 1) == 0;
		} else if (strncmp(steps[i], "control-thread", alen) == 0) {
			ok = control_thread(strcmp(arg, "on") == 0) == 0;
		} else if (strncmp(steps[i], "reconfig", alen) == 0) {
			unsigned int k, n = atoi(arg);

			ok = opt.primary_args != NULL;
			for (k = 0; ok && k < n; k++) {
				uint16_t nb_q = k % 2 ? opt.queues : 1;

				ok = remove_by_name("destroy", opt.primary) == 0 &&
					WAIT_FOR(device_gone(opt.primary)) == 0 &&
					rte_dev_probe(opt.primary_args) == 0 &&
					reconfigure(nb_q) == 0 &&
					WAIT_FOR(carries_tx(opt.primary)) == 0 &&
					same_queues(opt.primary) &&
					same_queues(opt.standby) &&
					check_lcores() == 0;
				if (!ok)
					printf("error=reconfig %u failed\n", k);
			}
		} else if (strncmp(steps[i], "detach-self", alen) == 0) {
			int k, n = atoi(arg);

			/*
			 * rte_dev_remove() of the failover device itself, and
			 * --create again, N times; the lcores stay paused.
			 */
			pause_workers();
			ok = opt.create != NULL;
			for (k = 0; ok && k < n; k++) {
				ok = rte_dev_remove(rte_eth_devices[fo_port].device)
					== 0 && create_failover(opt.create) == 0 &&
					find_port("net_failover0", &fo_port) == 0;
				if (!ok)
					printf("error=detach-self %d failed\n", k);
			}
			/* A new port: its counters start again. */
			memset(stats_prev, 0, sizeof(stats_prev));
		} else if (strncmp(steps[i], "hotplug-handler", alen) == 0) {
			/*
			 * The application's own use of EAL's SIGBUS handler:
			 * what SIGBUS does once it is enabled (sanitizers
			 * have their own handler before).
			 */
			ok = rte_dev_hotplug_handle_enable() == 0 &&
				sigaction(SIGBUS, NULL, &app_sigbus) == 0;
		} else if (strncmp(steps[i], "expect-sigbus-handler", alen) ==
				0) {
			struct sigaction sa;

			ok = sigaction(SIGBUS, NULL, &sa) == 0 &&
				sa.sa_sigaction == app_sigbus.sa_sigaction &&
				sa.sa_flags == app_sigbus.sa_flags;
		} else if (strncmp(steps[i], "close-on-lsc", alen) == 0) {
			__atomic_store_n(&close_armed, 1, __ATOMIC_RELEASE);
			ok = rte_eth_dev_callback_register(fo_port,
				RTE_ETH_EVENT_INTR_LSC, close_on_lsc, NULL) == 0;
		} else if (strncmp(steps[i], "close-on-switch", alen) == 0) {
			__atomic_store_n(&close_armed, 1, __ATOMIC_RELEASE);
			ok = register_close_on_switch() == 0;
		} else if (strncmp(steps[i], "expect-closed", alen) == 0) {
			ok = WAIT_FOR(__atomic_load_n(&fo_closed,
				__ATOMIC_ACQUIRE) &&
				!rte_eth_dev_is_valid_port(fo_port)) == 0;
		} else if (strncmp(steps[i], "link-get", alen) == 0) {
			struct rte_eth_link link;
			int k, n = atoi(arg);

			/* As an application's control thread polls the link. */
			for (k = 0, ok = 1; ok && k < n; k++)
				ok = rte_eth_link_get(fo_port, &link) == 0;
		} else if (strncmp(steps[i], "driver-is-own", alen) == 0) {
			ok = driver_is_own(arg);
		} else if (strncmp(steps[i], "mtu", alen) == 0) {
			ok = rte_eth_dev_set_mtu(fo_port, atoi(arg)) == 0;
		} else if (strncmp(steps[i], "expect-adopted", alen) == 0) {
			ok = WAIT_FOR(carries_tx(arg)) == 0;
		} else if (strncmp(steps[i], "expect-visible", alen) == 0) {
			ok = WAIT_FOR(rte_eth_dev_get_port_by_name(arg,
				&port) == 0 && unowned(port)) == 0;
		} else if (strncmp(steps[i], "expect-held", alen) == 0) {
			ok = WAIT_FOR(held_out(arg)) == 0;
			before = port_opackets(standby_port);
			ok = ok && WAIT_FOR(port_opackets(standby_port) >
				before + 1000) == 0 && held_out(arg);
		} else if (strncmp(steps[i], "expect-standby-rx", alen) == 0) {
			uint64_t rx, tx = port_opackets(fo_port);

			/* Past any drain window (50 ms at the default rate). */
			ok = WAIT_FOR(port_opackets(fo_port) > tx + 10000) == 0;
			rx = port_ipackets(standby_port);
			tx = port_opackets(fo_port);
			ok = ok && WAIT_FOR(port_opackets(fo_port) >
				tx + 10000) == 0;
			ok = ok && (port_ipackets(standby_port) > rx) ==
				(strcmp(arg, "yes") == 0);
		} else if (strncmp(steps[i], "expect-no-path", alen) == 0) {
			struct rte_eth_stats st;
			uint64_t retries = total_retries();

			/* Both ways the lcores keep calling TX. */
			ok = rte_eth_stats_get(fo_port, &st) == 0;
			if (strcmp(arg, "drop") == 0)
				ok = ok && WAIT_FOR(rte_eth_stats_get(fo_port,
					&st) == 0 && st.oerrors > 1000) == 0;
			else
				ok = ok && WAIT_FOR(total_retries() >
					retries + 1000) == 0 &&
					rte_eth_stats_get(fo_port, &st) == 0 &&
					st.oerrors == 0;
		} else {
			ok = 0;
		}
		printf("step%u=%s %s\n", i, ok ? "ok" : "failed", steps[i]);
		if (!ok)
			return -1;
	}
	return 0;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --primary NAME --standby NAME "
		"[--peer NAME] [--remove-via rmv|dev-event|destroy|link|none] "
		"[--remove-role primary|standby] [--queues N] [--packets N] "
		"[--remove-at N] [--rate PPS] [--peer-log FILE] "
		"[--create DEVARGS] [--cycles N --primary-args DEVARGS "
		"[--settings mtu,mac,macs,promisc,vlan,rss,reta] "
		"[--vias rmv,dev-event,dev-event2,destroy,link] "
		"[--cycle-gap-ms MS] "
		"[--control-thread]] [--link-poll] [--lsc] "
		"[--step ACTION:ARG...]\n",
		prog);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "primary", required_argument, NULL, 'p' },
		{ "standby", required_argument, NULL, 's' },
		{ "peer", required_argument, NULL, 'P' },
		{ "remove-via", required_argument, NULL, 'v' },
		{ "remove-role", required_argument, NULL, 'r' },
		{ "queues", required_argument, NULL, 'q' },
		{ "packets", required_argument, NULL, 'n' },
		{ "remove-at", required_argument, NULL, 'a' },
		{ "rate", required_argument, NULL, 'R' },
		{ "peer-log", required_argument, NULL, 'l' },
		{ "create", required_argument, NULL, 'c' },
		{ "cycles", required_argument, NULL, 'C' },
		{ "settings", required_argument, NULL, 'S' },
		{ "primary-args", required_argument, NULL, 'A' },
		{ "extra-peer", required_argument, NULL, 'E' },
		{ "vias", required_argument, NULL, 'V' },
		{ "cycle-gap-ms", required_argument, NULL, 'G' },
		{ "step", required_argument, NULL, 'T' },
		{ "readd-at", required_argument, NULL, 'D' },
		{ "control-thread", no_argument, NULL, 'K' },
		{ "link-poll", no_argument, NULL, 'L' },
		{ "lsc", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': opt.primary = optarg; break;
		case 's': opt.standby = optarg; break;
		case 'P': opt.peer = optarg; break;
		case 'v': opt.remove_via = optarg; break;
		case 'r': opt.remove_role = optarg; break;
		case 'q': opt.queues = atoi(optarg); break;
		case 'n': opt.packets = strtoull(optarg, NULL, 0); break;
		case 'a': opt.remove_at = strtoull(optarg, NULL, 0); break;
		case 'R': opt.rate = strtoull(optarg, NULL, 0); break;
		case 'l': opt.peer_log = optarg; break;
		case 'c': opt.create = optarg; break;
		case 'C': opt.cycles = strtoul(optarg, NULL, 0); break;
		case 'S': opt.settings = optarg; break;
		case 'A': opt.primary_args = optarg; break;
		case 'V': opt.vias = optarg; break;
		case 'G': opt.cycle_gap_ms = strtoul(optarg, NULL, 0); break;
		case 'D': opt.readd_at = strtoull(optarg, NULL, 0); break;
		case 'K': opt.control_thread = 1; break;
		case 'L': opt.link_poll = 1; break;
		case 'I': opt.lsc = 1; break;
		case 'T':
			if (nb_steps == MAX_STEPS) {
				usage(argv[0]);
				return -1;
			}
			steps[nb_steps++] = optarg;
			break;
		case 'E':
			if (nb_extra_peers == MAX_PEERS) {
				usage(argv[0]);
				return -1;
			}
			extra_peer_names[nb_extra_peers++] = optarg;
			break;
		default: usage(argv[0]); return -1;
		}
	}
	if ((opt.primary == NULL && nb_steps == 0) || opt.standby == NULL ||
			opt.queues == 0 ||
			opt.queues > MAX_QUEUES) {
		usage(argv[0]);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t t_remove = 0, standby_before = 0, hz;
	unsigned int lcore;
	uint16_t port, removed_port;
	struct rte_eth_dev_info info;
	int ret;

	/* Line by line even into a pipe: a crash must not eat the report. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (lcore = 1; (int)lcore + 1 < argc; lcore++) {
		if (strcmp(argv[lcore], "-d") == 0)
			pmd_path = argv[lcore + 1];
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("error=EAL init failed\n");
		return 2;
	}
	if (parse_args(argc - ret, argv + ret) != 0)
		return 2;
	hz = rte_get_timer_hz();

	pool = rte_pktmbuf_pool_create("fo_pool", 8191, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (opt.peer_log != NULL)
		peer_seqs = calloc(opt.packets * 2 + 1, sizeof(*peer_seqs));
	if (pool == NULL || (opt.peer_log != NULL && peer_seqs == NULL)) {
		printf("error=no memory\n");
		return 2;
	}
	/*
	 * net_vhost listens only once configured: a virtio-user standby in
	 * the same process can connect to it only after that, so such a
	 * failover port is created here by hotplug rather than by --vdev.
	 */
	if (opt.peer != NULL && (find_port(opt.peer, &peer_port) != 0 ||
			setup_port(peer_port, opt.queues) != 0))
		return 2;
	for (lcore = 0; lcore < nb_extra_peers; lcore++) {
		if (find_port(extra_peer_names[lcore], &extra_peers[lcore]) != 0 ||
				setup_port(extra_peers[lcore], opt.queues) != 0)
			return 2;
	}
	if (opt.create != NULL) {
		ret = create_failover(opt.create);
		if (ret != 0) {
			printf("error=cannot create %s: %s\n", opt.create,
				rte_strerror(-ret));
			return 1;
		}
	}

	fo_port = UINT16_MAX;
	RTE_ETH_FOREACH_DEV(port) {
		if (rte_eth_dev_info_get(port, &info) == 0 &&
				strcmp(info.driver_name, "net_failover") == 0)
			fo_port = port;
	}
	if (fo_port == UINT16_MAX) {
		printf("error=no failover port\n");
		return 2;
	}
	if ((opt.primary != NULL && find_port(opt.primary, &primary_port) != 0) ||
			find_port(opt.standby, &standby_port) != 0)
		return 2;
	/* The application must not see the sub-devices. */
	RTE_ETH_FOREACH_DEV(port) {
		if (port == primary_port || port == standby_port) {
			printf("error=sub-device port %u visible\n", port);
			return 1;
		}
	}
	if (setup_port(fo_port, opt.queues) != 0)
		return 1;
	if (apply_settings() != 0)
		return 1;
	printf("mbufs_in_use_started=%u\n", rte_mempool_in_use_count(pool));

	lcore = rte_get_next_lcore(-1, 1, 0);
	if (peer_port != UINT16_MAX) {
		if (lcore >= RTE_MAX_LCORE) {
			printf("error=need an lcore for the peer\n");
			return 2;
		}
		rte_eal_remote_launch(peer_main, NULL, lcore);
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}
	for (port = 0; port < opt.queues; port++) {
		if (lcore >= RTE_MAX_LCORE) {
			printf("error=need %u worker lcores\n", opt.queues);
			return 2;
		}
		rte_eal_remote_launch(worker_main, (void *)(uintptr_t)port,
			lcore);
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}

	removed_port = strcmp(opt.remove_role, "standby") == 0 ?
		standby_port : primary_port;
	if (opt.cycles > 0) {
		/* The application's control thread, all along the cycles. */
		if (opt.control_thread && control_thread(true) != 0) {
			printf("error=no control thread\n");
			ret = 1;
			goto out;
		}
		ret = run_cycles();
		if (opt.control_thread)
			control_thread(false);
		goto out;
	}
	if (nb_steps > 0) {
		ret = run_steps();
		goto out;
	}
	if (strcmp(opt.remove_via, "none") != 0) {
		if (WAIT_FOR(total_sent() >= opt.remove_at) != 0) {
			printf("error=traffic did not reach %" PRIu64 "\n",
				opt.remove_at);
			ret = 1;
			goto out;
		}
		printf("primary_opackets_before=%" PRIu64 "\n",
			port_opackets(primary_port));
		standby_before = port_opackets(standby_port);
		printf("standby_opackets_before=%" PRIu64 "\n", standby_before);
		__atomic_store_n(&peer_first_tsc, 0, __ATOMIC_RELEASE);
		t_remove = rte_get_timer_cycles();
		ret = do_remove(removed_port);
		/* A refusal is a result the test judges, not a failure here. */
		printf("remove_ret=%d\n", ret);
		ret = 0;
		if (removed_port == primary_port) {
			/* First packet of the stream on the standby. */
			if (WAIT_FOR(port_opackets(standby_port) >
					standby_before) == 0)
				printf("switch_us=%" PRIu64 "\n",
					(rte_get_timer_cycles() - t_remove) *
					1000000 / hz);
			else
				printf("switch_us=never\n");
		}
		if (strcmp(opt.remove_via, "link") != 0) {
			/* The PMD releases the device: the port goes away. */
			if (WAIT_FOR(!rte_eth_dev_is_valid_port(removed_port))
					== 0)
				printf("released_us=%" PRIu64 "\n",
					(rte_get_timer_cycles() - t_remove) *
					1000000 / hz);
			else
				printf("released_us=never\n");
		}
	}
	/* The primary comes back (a hypervisor plugs a new VF in). */
	if (opt.readd_at > 0 && opt.primary_args != NULL) {
		uint64_t t_readd;

		if (WAIT_FOR(total_sent() >= opt.readd_at) != 0)
			printf("error=traffic did not reach %" PRIu64 "\n",
				opt.readd_at);
		printf("standby_opackets_at_readd=%" PRIu64 "\n",
			port_opackets(standby_port));
		t_readd = rte_get_timer_cycles();
		if (rte_dev_probe(opt.primary_args) != 0 ||
				find_port(opt.primary, &primary_port) != 0)
			printf("error=cannot plug the primary back\n");
		else if (WAIT_FOR(port_opackets(primary_port) > 0) == 0)
			printf("readopt_us=%" PRIu64 "\n",
				(rte_get_timer_cycles() - t_readd) * 1000000 /
				hz);
		else
			printf("readopt_us=never\n");
	}
	if (WAIT_FOR(total_sent() >= opt.packets / opt.queues * opt.queues)
			!= 0)
		printf("error=stream stalled at %" PRIu64 "\n", total_sent());
	/* The peer has drained the virtqueue when it has all the standby sent. */
	if (peer_port != UINT16_MAX && WAIT_FOR(__atomic_load_n(&peer_received,
			__ATOMIC_RELAXED) >= port_opackets(standby_port)) != 0)
		printf("error=peer did not drain the standby\n");
out:
	stop_workers = 1;
	stop_peer = 1;
	rte_eal_mp_wait_lcore();
	check_stats();
	/* Lcores stopped, TX leftovers freed: only the rings hold mbufs. */
	printf("mbufs_in_use_stopped=%u\n", rte_mempool_in_use_count(pool));

	{
		uint64_t received = 0, bad_port = 0;
		uint16_t q;

		for (q = 0; q < opt.queues; q++) {
			received += workers[q].received;
			bad_port += workers[q].bad_port;
		}
		printf("sent=%" PRIu64 "\n", total_sent());
		printf("received=%" PRIu64 "\n", received);
		printf("rx_bad_port=%" PRIu64 "\n", bad_port);
	}
	if (opt.link_poll) {
		printf("link_nowait_max_us=%" PRIu64 "\n",
			link_nowait_max * 1000000 / hz);
		printf("link_nowait_errors=%" PRIu64 "\n", link_nowait_errors);
	}
	printf("primary_present=%d\n", rte_eth_dev_is_valid_port(primary_port));
	printf("primary_opackets_end=%" PRIu64 "\n", port_opackets(primary_port));
	printf("standby_opackets=%" PRIu64 "\n", port_opackets(standby_port));
	printf("peer_received=%" PRIu64 "\n", peer_received);
	printf("stats_monotonic=%d\n", stats_monotonic);
	if (opt.peer_log != NULL) {
		FILE *f = fopen(opt.peer_log, "w");
		uint64_t i;

		for (i = 0; f != NULL && i < peer_nb_seqs; i++)
			fprintf(f, "%" PRIu64 "\n", peer_seqs[i]);
		if (f != NULL)
			fclose(f);
	}
	{
		struct rte_eth_stats st;

		if (rte_eth_stats_get(fo_port, &st) == 0)
			printf("fo_opackets=%" PRIu64 "\nfo_oerrors=%" PRIu64
				"\nfo_ipackets=%" PRIu64 "\n", st.opackets,
				st.oerrors, st.ipackets);
	}
	/* The PMD's own counters, by their stable xstats names. */
	{
		static const char * const names[] = {
			"failover_switchovers", "failover_readoptions",
			"failover_readoption_failures",
			"failover_tx_no_path_drops",
		};
		uint64_t id, value;
		unsigned int k;

		for (k = 0; k < RTE_DIM(names); k++) {
			if (rte_eth_xstats_get_id_by_name(fo_port, names[k],
					&id) == 0 &&
					rte_eth_xstats_get_by_id(fo_port, &id,
						&value, 1) == 1)
				printf("%s=%" PRIu64 "\n", names[k], value);
		}
	}
	if (!fo_closed) {
		rte_eth_dev_stop(fo_port);
		rte_eth_dev_close(fo_port);
	}
	/*
	 * Sub-devices the application probed are its ports again once the
	 * failover port is closed: closed here, as an application does, before
	 * the vhost backends they talk to.
	 */
	RTE_ETH_FOREACH_DEV(port) {
		bool peer = port == peer_port;

		for (lcore = 0; lcore < nb_extra_peers; lcore++)
			peer |= port == extra_peers[lcore];
		if (peer)
			continue;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	if (peer_port != UINT16_MAX) {
		rte_eth_dev_stop(peer_port);
		rte_eth_dev_close(peer_port);
	}
	for (lcore = 0; lcore < nb_extra_peers; lcore++) {
		rte_eth_dev_stop(extra_peers[lcore]);
		rte_eth_dev_close(extra_peers[lcore]);
	}
	printf("mbufs_in_use_closed=%u\n", rte_mempool_in_use_count(pool));
	rte_mempool_free(pool);
	free(peer_seqs);
	rte_eal_cleanup();
	printf("done=1\n");
	return ret < 0 ? 1 : ret;
}
