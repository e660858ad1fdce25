/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <string.h>

#include <rte_malloc.h>
#include <rte_string_fns.h>
#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>

#include "failover_private.h"

RTE_LOG_REGISTER_DEFAULT(failover_logtype, NOTICE);
RTE_LOG_REGISTER_SUFFIX(failover_event_logtype, event, NOTICE);

/* Set once, before the port is seen: never swapped after start. */
void
fo_set_burst_functions(struct rte_eth_dev *dev)
{
	dev->dev_ops = &failover_ops;
	dev->rx_pkt_burst = failover_rx_burst;
	dev->tx_pkt_burst = failover_tx_burst;
	dev->tx_pkt_prepare = failover_tx_prepare;
	dev->rx_queue_count = failover_rx_queue_count;
	dev->rx_descriptor_status = failover_rx_descriptor_status;
	dev->tx_descriptor_status = failover_tx_descriptor_status;
	fo_set_tx_queue_count(dev, failover_tx_queue_count);
}

static void
fo_priv_free(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);

	rte_eth_dev_owner_delete(priv->owner.id);
	pthread_mutex_destroy(&priv->lock);
	pthread_mutex_destroy(&priv->cb_lock);
	rte_eth_dev_release_port(dev);
}

static int
fo_priv_init(struct rte_eth_dev *dev, const char *name,
		const struct fo_devargs *args)
{
	struct fo_priv *priv = FO_PRIV(dev);
	int ret;

	priv->dev = dev;
	rte_strscpy(priv->name, name, sizeof(priv->name));
	priv->args = *args;
	priv->tx_role = FO_ROLE_NONE;
	priv->last_tx_role = FO_ROLE_NONE;
	/* The primary's alone: secondaries ask it (failover_mp.c). */
	pthread_mutex_init(&priv->lock, NULL);
	pthread_mutex_init(&priv->cb_lock, NULL);
	fo_stats_init(&priv->stats,
		sizeof(struct rte_eth_stats) / sizeof(uint64_t));
	fo_datapath_init(priv);

	ret = rte_eth_dev_owner_new(&priv->owner.id);
	if (ret != 0)
		return ret;
	snprintf(priv->owner.name, sizeof(priv->owner.name), "%s", name);

	dev->data->mac_addrs = rte_zmalloc_socket(name,
			FO_MAX_MAC_ADDRS * sizeof(struct rte_ether_addr), 0,
			dev->device->numa_node);
	if (dev->data->mac_addrs == NULL)
		return -ENOMEM;
	if (args->has_mac)
		memcpy(dev->data->mac_addrs[0].addr_bytes, args->mac,
			RTE_ETHER_ADDR_LEN);
	fo_set_burst_functions(dev);
	/* Sub-device ports are closed with us; LSC is always raised. */
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	return 0;
}

static int
failover_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	char err[FO_ERR_LEN];
	struct fo_devargs args;
	struct rte_eth_dev *dev;
	struct fo_priv *priv;
	int ret;

	RTE_BUILD_BUG_ON(FO_DEV_NAME_LEN != RTE_DEV_NAME_MAX_LEN);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return fo_secondary_probe(vdev);
	ret = fo_devargs_parse(rte_vdev_device_args(vdev), &args, err);
	if (ret != 0) {
		rte_log(RTE_LOG_ERR, failover_logtype, "%s: invalid arguments: "
			"%s\n", name, err);
		return ret;
	}
	dev = rte_eth_vdev_allocate(vdev, sizeof(*priv));
	if (dev == NULL)
		return -ENOMEM;
	priv = FO_PRIV(dev);
	ret = fo_priv_init(dev, name, &args);
	if (ret != 0) {
		FO_LOG(ERR, priv, "cannot initialise (%s)", rte_strerror(-ret));
		fo_priv_free(dev);
		return ret;
	}
	pthread_mutex_lock(&priv->lock);
	ret = fo_sub_init(priv);
	pthread_mutex_unlock(&priv->lock);
	/* After our own probes of sub-devices, whose NEW events we skip. */
	if (ret == 0)
		ret = fo_intr_register(priv);
	if (ret == 0) {
		ret = fo_mp_primary_init(priv);
		if (ret != 0)
			fo_intr_unregister(priv);
	}
	if (ret != 0) {
		struct fo_release rel[FO_NB_ROLES];
		enum fo_role r;

		pthread_mutex_lock(&priv->lock);
		fo_sub_uninit_locked(priv, rel);
		pthread_mutex_unlock(&priv->lock);
		FO_FOREACH_ROLE(r)
			fo_sub_release_finish(priv->name, &rel[r]);
		fo_priv_free(dev);
		return ret;
	}
	rte_eth_dev_probing_finish(dev);
	FO_LOG(INFO, priv, "port %u created, standby %s, primary %s",
		dev->data->port_id, args.standby.name,
		args.primary.name[0] != '\0' ? args.primary.name :
		"any port with the same MAC");
	return 0;
}

static int
failover_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return fo_secondary_remove(dev);
	if (dev == NULL)
		return 0;
	/* The bus may be walking its list: leave sub-devices' to it. */
	FO_PRIV(dev)->bus_removing = true;
	rte_eth_dev_stop(dev->data->port_id);
	return rte_eth_dev_close(dev->data->port_id);
}

static struct rte_vdev_driver failover_driver = {
	.probe = failover_probe,
	.remove = failover_remove,
};

RTE_PMD_REGISTER_VDEV(FO_DRIVER_NAME, failover_driver);
RTE_PMD_REGISTER_ALIAS(FO_DRIVER_NAME, eth_failover);
#define FO_PARAMS \
	"standby=<device|(device,args)> " \
	"primary=<device|(device,args)> " \
	"mac=<xx:xx:xx:xx:xx:xx>"
RTE_PMD_REGISTER_PARAM_STRING(FO_DRIVER_NAME, FO_PARAMS);

/*
 * What DPDK's build generates with pmdinfogen for its own drivers, so that
 * dpdk-pmdinfo.py describes this one too.
 */
static const char fo_pmd_info[] __rte_used =
	"PMD_INFO_STRING= {\"name\": \"" RTE_STR(FO_DRIVER_NAME) "\", "
	"\"params\": \"" FO_PARAMS "\", \"pci_ids\": []}";
