/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FAILOVER_COMPAT_H
#define FAILOVER_COMPAT_H

/*
 * Every difference between the DPDK releases the driver builds against
 * (22.11 to 25.11, see meson.build) is here, so that the driver itself
 * has no version test. Each entry names the release that changed the
 * interface; the series between the tested LTS releases follow the
 * release where the change was seen.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_telemetry.h>
#include <rte_thread.h>
#include <rte_version.h>

#define FO_DPDK_AT_LEAST(y, m) (RTE_VERSION >= RTE_VERSION_NUM(y, m, 0, 0))

/*
 * Control threads. 23.11 removed rte_ctrl_thread_create() (a pthread)
 * for rte_thread_create_internal_control(), whose thread function returns
 * uint32_t and whose name (at most 10 characters) gets EAL's "dpdk-"
 * prefix. Both return a negative errno.
 */
#if FO_DPDK_AT_LEAST(23, 11)
typedef rte_thread_t fo_thread_t;
typedef uint32_t fo_thread_ret_t;

static inline int
fo_thread_create(fo_thread_t *t, const char *name,
		fo_thread_ret_t (*fn)(void *), void *arg)
{
	return rte_thread_create_internal_control(t, name, fn, arg);
}

static inline bool
fo_thread_is_self(fo_thread_t t)
{
	return rte_thread_equal(t, rte_thread_self()) != 0;
}

static inline void
fo_thread_join(fo_thread_t t)
{
	rte_thread_join(t, NULL);
}

static inline void
fo_thread_detach(fo_thread_t t)
{
	rte_thread_detach(t);
}
#else
#include <pthread.h>

typedef pthread_t fo_thread_t;
typedef void *fo_thread_ret_t;

static inline int
fo_thread_create(fo_thread_t *t, const char *name,
		fo_thread_ret_t (*fn)(void *), void *arg)
{
	return rte_ctrl_thread_create(t, name, NULL, fn, arg);
}

static inline bool
fo_thread_is_self(fo_thread_t t)
{
	return pthread_equal(t, pthread_self()) != 0;
}

static inline void
fo_thread_join(fo_thread_t t)
{
	pthread_join(t, NULL);
}

static inline void
fo_thread_detach(fo_thread_t t)
{
	pthread_detach(t);
}
#endif

/*
 * Telemetry: rte_tel_data_add_dict_uint() came in 23.11, which deprecated
 * rte_tel_data_add_dict_u64(); 25.11 removed the latter.
 */
#if FO_DPDK_AT_LEAST(23, 11)
#define fo_tel_dict_add_uint rte_tel_data_add_dict_uint
#else
#define fo_tel_dict_add_uint rte_tel_data_add_dict_u64
#endif

/*
 * Statistics: 25.11 moved the per-queue counters out of struct
 * rte_eth_stats into a struct eth_queue_stats that ethdev passes to the
 * driver's stats_get for its xstats. A failover port has no per-queue
 * counters of its own, and the sub-devices' are out of reach (ethdev
 * gives them to applications only as xstats), so it leaves them unset.
 */
#if FO_DPDK_AT_LEAST(25, 11)
#define FO_STATS_GET_QSTATS , struct eth_queue_stats *qstats __rte_unused
#else
#define FO_STATS_GET_QSTATS
#endif

/* The Rx queue count callback returns int from 25.11, uint32_t before. */
#if FO_DPDK_AT_LEAST(25, 11)
typedef int fo_rx_queue_count_t;
#else
typedef uint32_t fo_rx_queue_count_t;
#endif

/*
 * rte_eth_tx_queue_count(), a fast-path function a driver provides through
 * dev->tx_queue_count, came in 24.03.
 */
#if FO_DPDK_AT_LEAST(24, 3)
#define FO_HAVE_TX_QUEUE_COUNT 1

static inline int
fo_eth_tx_queue_count(uint16_t port_id, uint16_t queue_id)
{
	return rte_eth_tx_queue_count(port_id, queue_id);
}

static inline void
fo_set_tx_queue_count(struct rte_eth_dev *dev, int (*fn)(void *txq))
{
	dev->tx_queue_count = fn;
}
#else
#define FO_HAVE_TX_QUEUE_COUNT 0

static inline int
fo_eth_tx_queue_count(uint16_t port_id, uint16_t queue_id)
{
	RTE_SET_USED(port_id);
	RTE_SET_USED(queue_id);
	return -ENOTSUP;
}

static inline void
fo_set_tx_queue_count(struct rte_eth_dev *dev, int (*fn)(void *txq))
{
	RTE_SET_USED(dev);
	RTE_SET_USED(fn);
}
#endif

/*
 * negotiate_standby (failover_virtio.c) relies on how the virtio PMD
 * initializes its device: only in its probe and its configure, with no
 * buffer in any queue until its start, through the modern common
 * configuration. Read in 22.11, 23.11, 24.11 and 25.11; a later release
 * is refused until it is read too.
 */
#define FO_VIRTIO_PMD_RANGE "checked: 22.11 to 25.11"
#define FO_VIRTIO_PMD_KNOWN (RTE_VERSION < RTE_VERSION_NUM(26, 0, 0, 0))

#endif /* FAILOVER_COMPAT_H */
