/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * The failover port's life, for valgrind memcheck (tests/test_valgrind.py):
 * probe (sub-devices probed by the PMD), configure, queue setup, start,
 * bursts, the primary detached and plugged back, removed by ethdev RMV and
 * plugged back (each time re-adopted), stop, close, detach of the failover
 * device; N times, then EAL cleanup. One thread does it all; the PMD's
 * deferred work runs in EAL's interrupt thread.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_mbuf.h>

#define NB_Q 2
#define FO "net_failover0,standby=(net_null1),primary=(net_null0)"

static struct rte_mempool *pool;

/*
 * Bytes allocated from DPDK's heap, which valgrind does not see (the
 * PMD's private data and queues live there): the same after every cycle.
 */
static size_t
heap_in_use(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(rte_socket_id(), &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static int
port_of(const char *name, uint16_t *port)
{
	return rte_eth_dev_get_port_by_name(name, port);
}

/* The primary is back in the datapath: owned, started. */
static int
wait_adopted(void)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	struct rte_eth_dev_owner owner;
	uint16_t port;

	while (rte_get_timer_cycles() < end) {
		if (port_of("net_null0", &port) == 0 &&
				rte_eth_dev_owner_get(port, &owner) == 0 &&
				owner.id != RTE_ETH_DEV_NO_OWNER &&
				rte_eth_devices[port].data->dev_started)
			return 0;
		rte_delay_us_sleep(1000);
	}
	return -1;
}

static int
wait_gone(void)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	uint16_t port;

	while (rte_get_timer_cycles() < end) {
		if (port_of("net_null0", &port) != 0)
			return 0;
		rte_delay_us_sleep(1000);
	}
	return -1;
}

static void
bursts(uint16_t port)
{
	struct rte_mbuf *m[8];
	uint16_t q, n;
	int i;

	for (q = 0; q < NB_Q; q++) {
		if (rte_pktmbuf_alloc_bulk(pool, m, 8) != 0)
			continue;
		for (i = 0; i < 8; i++) {
			m[i]->data_len = 64;
			m[i]->pkt_len = 64;
		}
		n = rte_eth_tx_burst(port, q, m, 8);
		if (n < 8)
			rte_pktmbuf_free_bulk(m + n, 8 - n);
		n = rte_eth_rx_burst(port, q, m, 8);
		rte_pktmbuf_free_bulk(m, n);
	}
}

static int
cycle(void)
{
	struct rte_eth_conf conf;
	struct rte_eth_stats st;
	uint16_t port, q;
	int ret;

	ret = rte_dev_probe(FO);
	if (ret != 0 || port_of("net_failover0", &port) != 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, NB_Q, NB_Q, &conf);
	for (q = 0; ret == 0 && q < NB_Q; q++)
		ret = rte_eth_rx_queue_setup(port, q, 128, 0, NULL, pool);
	for (q = 0; ret == 0 && q < NB_Q; q++)
		ret = rte_eth_tx_queue_setup(port, q, 128, 0, NULL);
	if (ret == 0)
		ret = rte_eth_dev_set_mtu(port, 1400);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		return -1;
	bursts(port);
	/* Detach, then plug back: the PMD re-adopts it. */
	if (rte_eal_hotplug_remove("vdev", "net_null0") != 0 ||
			wait_gone() != 0 || rte_dev_probe("net_null0") != 0 ||
			wait_adopted() != 0)
		return -1;
	bursts(port);
	/* ethdev RMV: released by the deferred work, then plugged back. */
	if (port_of("net_null0", &q) != 0)
		return -1;
	rte_eth_dev_callback_process(&rte_eth_devices[q],
		RTE_ETH_EVENT_INTR_RMV, NULL);
	if (wait_gone() != 0 || rte_dev_probe("net_null0") != 0 ||
			wait_adopted() != 0)
		return -1;
	bursts(port);
	rte_eth_stats_get(port, &st);
	rte_eth_stats_reset(port);
	if (rte_eth_dev_stop(port) != 0 || rte_eth_dev_close(port) != 0)
		return -1;
	return rte_eal_hotplug_remove("vdev", "net_failover0");
}

int
main(int argc, char **argv)
{
	size_t heap_first = 0;
	int ret, n, c;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 2;
	n = argc - ret > 1 ? atoi(argv[ret + 1]) : 3;
	pool = rte_pktmbuf_pool_create("vg_pool", 2047, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		return 2;
	for (c = 0; c < n; c++) {
		if (cycle() != 0) {
			printf("error=cycle %d failed\n", c);
			break;
		}
		/* The first cycle's one-time allocations are the baseline. */
		if (c == 0)
			heap_first = heap_in_use();
	}
	printf("cycles=%d\nmbufs_in_use=%u\n", c,
		rte_mempool_in_use_count(pool));
	printf("heap_after_first=%zu\nheap_after_last=%zu\n", heap_first,
		heap_in_use());
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return c == n ? 0 : 1;
}
