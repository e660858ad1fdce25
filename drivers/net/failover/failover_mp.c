/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Secondary processes (dpdk-proc-info, dpdk-dumpcap, an application's own).
 *
 * A secondary attaches to the port the primary created. The private data
 * is in shared memory; everything the driver keeps outside it (event
 * callbacks, alarms, the shadow drivers, the grace period) belongs to the
 * primary, which alone drives sub-devices and the datapath. A secondary
 * gets failover_secondary_ops, which read what the primary keeps (stats,
 * xstats, device info, link, dump) under the process-shared lock, and
 * bursts that move nothing: the primary's grace period before it frees a
 * sub-device covers its own threads only (membarrier is per process), so
 * a secondary's burst could still be inside a freed device.
 *
 * Stats read each sub-device through this process's own port. EAL detaches
 * a device from every secondary before the primary (hotplug sync), and only
 * the primary updates priv->sub: so a secondary holding priv->lock may find
 * there a port that its own interrupt thread is releasing. The port's
 * DESTROY event comes before ethdev clears it; here it marks the port
 * released under fo_local.lock, which a call into the port holds. NEW
 * unmarks a port id that comes back. Lock order: priv->lock, then
 * fo_local.lock; the event callbacks take only the latter, so a primary
 * waiting on this process's detach while holding priv->lock is never
 * waited for by them.
 */

#include <stdbool.h>

#include <rte_errno.h>
#include <ethdev_vdev.h>

#include "failover_private.h"

static struct {
	pthread_mutex_t lock;
	bool released[RTE_MAX_ETHPORTS];
	/* Failover ports attached in this process: callbacks while any. */
	unsigned int nb_ports;
} fo_local = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static int
fo_local_event(uint16_t port_id, enum rte_eth_event_type type, void *arg,
		void *ret_param)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(ret_param);
	if (port_id >= RTE_MAX_ETHPORTS)
		return 0;
	/* Waits out a call into the port by another thread of ours. */
	pthread_mutex_lock(&fo_local.lock);
	fo_local.released[port_id] = type == RTE_ETH_EVENT_DESTROY;
	pthread_mutex_unlock(&fo_local.lock);
	return 0;
}

static const enum rte_eth_event_type fo_local_events[] = {
	RTE_ETH_EVENT_NEW,
	RTE_ETH_EVENT_DESTROY,
};

/* Register (@p on) or drop the callbacks; fo_local.lock held. */
static int
fo_local_callbacks(bool on)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < RTE_DIM(fo_local_events); i++) {
		if (on)
			ret = rte_eth_dev_callback_register(RTE_ETH_ALL,
				fo_local_events[i], fo_local_event, NULL);
		else
			/* One running now stays, harmlessly. */
			rte_eth_dev_callback_unregister(RTE_ETH_ALL,
				fo_local_events[i], fo_local_event, NULL);
		if (ret != 0)
			break;
	}
	if (ret != 0)
		while (i-- > 0)
			rte_eth_dev_callback_unregister(RTE_ETH_ALL,
				fo_local_events[i], fo_local_event, NULL);
	return ret;
}

int
fo_sub_port_stats_get(uint16_t port, struct rte_eth_stats *stats)
{
	int ret = -ENODEV;

	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		return rte_eth_stats_get(port, stats);
	if (port >= RTE_MAX_ETHPORTS)
		return ret;
	pthread_mutex_lock(&fo_local.lock);
	if (!fo_local.released[port])
		ret = rte_eth_stats_get(port, stats);
	pthread_mutex_unlock(&fo_local.lock);
	return ret;
}

int
fo_sub_port_stats_reset(uint16_t port)
{
	int ret = -ENODEV;

	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		return rte_eth_stats_reset(port);
	if (port >= RTE_MAX_ETHPORTS)
		return ret;
	pthread_mutex_lock(&fo_local.lock);
	if (!fo_local.released[port])
		ret = rte_eth_stats_reset(port);
	pthread_mutex_unlock(&fo_local.lock);
	return ret;
}

/* The application keeps its packets: see the top of the file. */
static uint16_t
fo_secondary_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	return 0;
}

int
fo_secondary_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	int ret;

	/* The devargs were the primary's to act on: nothing to parse here. */
	dev = rte_eth_dev_attach_secondary(name);
	if (dev == NULL) {
		rte_log(RTE_LOG_ERR, failover_logtype,
			"%s: no such port in the primary process\n", name);
		return -ENODEV;
	}
	pthread_mutex_lock(&fo_local.lock);
	ret = fo_local.nb_ports == 0 ? fo_local_callbacks(true) : 0;
	if (ret == 0)
		fo_local.nb_ports++;
	pthread_mutex_unlock(&fo_local.lock);
	if (ret != 0) {
		rte_log(RTE_LOG_ERR, failover_logtype, "%s: cannot register "
			"event callbacks (%s)\n", name, rte_strerror(-ret));
		rte_eth_dev_release_port(dev);
		return ret;
	}
	dev->device = &vdev->device;
	dev->dev_ops = &failover_secondary_ops;
	dev->rx_pkt_burst = fo_secondary_burst;
	dev->tx_pkt_burst = fo_secondary_burst;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

/* @p dev is NULL when the port is gone already. */
int
fo_secondary_remove(struct rte_eth_dev *dev)
{
	pthread_mutex_lock(&fo_local.lock);
	if (fo_local.nb_ports > 0 && --fo_local.nb_ports == 0)
		fo_local_callbacks(false);
	pthread_mutex_unlock(&fo_local.lock);
	return dev == NULL ? 0 : rte_eth_dev_release_port(dev);
}
