/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <string.h>

#include <rte_malloc.h>

#include "failover_private.h"

/*
 * One setting applied to one sub-device port. A control op applies it to
 * every present sub-device; when one refuses, the ones already changed are
 * put back with the undo step, so the failover port stays consistent and
 * the application gets the refusal.
 */
typedef int (fo_apply_t)(uint16_t port, const void *arg);

static int
fo_apply_all_locked(struct rte_eth_dev *dev, const char *what,
		fo_apply_t *apply, const void *arg, fo_apply_t *undo,
		const void *undo_arg)
{
	struct fo_priv *priv = FO_PRIV(dev);
	/*
	 * Once configured, a sub-device not brought up yet gets the setting
	 * from the journal; it must not veto the application's call.
	 */
	enum fo_sub_state min = priv->configured ? FO_SUB_CONFIGURED :
		FO_SUB_OWNED;
	enum fo_role r, done;
	int ret = 0;

	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state < min)
			continue;
		ret = apply(priv->sub[r].port_id, arg);
		if (ret != 0)
			break;
	}
	if (ret != 0) {
		FO_LOG(ERR, priv, "%s refused by %s %s (%s)", what,
			fo_role_name(r), priv->sub[r].dev_name,
			rte_strerror(-ret));
		for (done = FO_PRIMARY; undo != NULL && done < r; done++) {
			if (priv->sub[done].state >= min)
				undo(priv->sub[done].port_id, undo_arg);
		}
	}
	return ret;
}

/* A setting, by its one description (fo_settings), on one port. */
static int
fo_setting_on_port(uint16_t port, const void *arg)
{
	return fo_setting_apply(&fo_settings, &port, arg);
}

/*
 * Apply @p s to the sub-devices as fo_apply_all_locked() does, @p undo
 * (NULL: none) where a later one refuses.
 */
static int
fo_set_all_locked(struct rte_eth_dev *dev, const struct fo_setting *s,
		const struct fo_setting *undo)
{
	char what[32];

	fo_setting_describe(s, what, sizeof(what));
	return fo_apply_all_locked(dev, what, fo_setting_on_port, s,
		undo != NULL ? fo_setting_on_port : NULL, undo);
}

/* Lock and unlock around an apply and its journal entry. */
static struct fo_journal *
fo_journal_lock(struct rte_eth_dev *dev)
{
	pthread_mutex_lock(&FO_PRIV(dev)->lock);
	return &FO_PRIV(dev)->journal;
}

static void
fo_journal_unlock(struct rte_eth_dev *dev)
{
	pthread_mutex_unlock(&FO_PRIV(dev)->lock);
}

static int
fo_dev_configure(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	enum fo_role r;
	int ret = 0;

	pthread_mutex_lock(&priv->lock);
	/* Queues beyond the new numbers were released already. */
	priv->nb_rxq = dev->data->nb_rx_queues;
	priv->nb_txq = dev->data->nb_tx_queues;
	priv->conf = dev->data->dev_conf;
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];

		if (sub->state < FO_SUB_OWNED)
			continue;
		/*
		 * Reconfiguring: one not brought up yet (held out) joins with
		 * the journal through the deferred work, not from here.
		 */
		if (priv->configured && sub->state < FO_SUB_CONFIGURED)
			continue;
		ret = fo_sub_configure_locked(priv, sub);
		if (ret != 0) {
			FO_LOG(ERR, priv, "configure refused by %s %s (%s)",
				fo_role_name(r), sub->dev_name,
				rte_strerror(-ret));
			break;
		}
		fo_sub_step_locked(priv, sub, FO_EV_CONFIGURED);
	}
	priv->configured = ret == 0;
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

static void
fo_queue_states(struct rte_eth_dev *dev, uint8_t state)
{
	struct fo_priv *priv = FO_PRIV(dev);
	uint16_t i;

	for (i = 0; i < priv->nb_rxq; i++)
		dev->data->rx_queue_state[i] = state;
	for (i = 0; i < priv->nb_txq; i++)
		dev->data->tx_queue_state[i] = state;
}

static int
fo_dev_start(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	struct fo_queue *q;
	bool changed;
	uint16_t i;
	enum fo_role r;
	int ret = 0;

	pthread_mutex_lock(&priv->lock);
	priv->started = true;
	/*
	 * Before the bring-up, which replays stopped queues as stopped.
	 * Deferred-start queues stay stopped until the application starts
	 * them, as on the sub-devices, configured with the same flags.
	 */
	fo_queue_states(dev, RTE_ETH_QUEUE_STATE_STARTED);
	for (i = 0; i < priv->nb_rxq; i++) {
		q = priv->rxq[i];
		if (q != NULL && q->rx_conf.rx_deferred_start)
			dev->data->rx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < priv->nb_txq; i++) {
		q = priv->txq[i];
		if (q != NULL && q->tx_conf.tx_deferred_start)
			dev->data->tx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STOPPED;
	}
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];
		/* Configured with the port: it must start, or we refuse. */
		bool must = sub->state >= FO_SUB_CONFIGURED;

		if (sub->state < FO_SUB_OWNED)
			continue;
		ret = fo_sub_bring_up_locked(priv, sub);
		/* A joining one held out for a refusal does not veto. */
		if (ret != 0 && must)
			break;
		ret = 0;
		/* Warm-up is for a returning primary, not for our start. */
		sub->tx_after = 0;
	}
	if (ret != 0) {
		fo_dev_stop_locked(dev);
		pthread_mutex_unlock(&priv->lock);
		return ret;
	}
	if (priv->sub[FO_PRIMARY].state < FO_SUB_STARTED &&
			priv->sub[FO_STANDBY].state < FO_SUB_STARTED)
		FO_LOG(WARNING, priv, "started with no sub-device present");
	changed = fo_datapath_publish_locked(priv);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
	return 0;
}

int
fo_dev_stop_locked(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	enum fo_role r;
	int ret = 0;

	priv->started = false;
	/* Out of the datapath before anything stops under an lcore. */
	fo_datapath_publish_locked(priv);
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];

		if (sub->state != FO_SUB_STARTED)
			continue;
		fo_sub_stats_read_locked(priv, sub);
		/*
		 * The failover port is stopped whatever a dying sub-device
		 * says: refusing would leave it started, and unclosable.
		 */
		if (rte_eth_dev_stop(sub->port_id) != 0)
			FO_LOG(WARNING, priv, "%s %s: stop failed",
				fo_role_name(r), sub->dev_name);
		fo_sub_step_locked(priv, sub, FO_EV_STOPPED);
	}
	fo_queue_states(dev, RTE_ETH_QUEUE_STATE_STOPPED);
	return ret;
}

static int
fo_dev_stop(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	int ret;

	pthread_mutex_lock(&priv->lock);
	ret = fo_dev_stop_locked(dev);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, false);
	return ret;
}

static void
fo_queue_release_locked(struct rte_eth_dev *dev, void **slot,
		struct fo_queue **table)
{
	struct fo_priv *priv = FO_PRIV(dev);
	struct fo_queue *q = *slot;

	if (q == NULL)
		return;
	/* Out of our table first: the deferred work no longer sees it. */
	if (table[q->qid] == q)
		table[q->qid] = NULL;
	/* Counters outlive the queue: they never go backwards. */
	priv->tx_drops_base += __atomic_load_n(&q->drops, __ATOMIC_RELAXED);
	priv->standby_tx_base += __atomic_load_n(&q->standby_tx,
		__ATOMIC_RELAXED);
	rte_free(q);
	*slot = NULL;
}

/* ethdev releases queues itself when reconfiguring: take the lock. */
static void
fo_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct fo_priv *priv = FO_PRIV(dev);

	pthread_mutex_lock(&priv->lock);
	fo_queue_release_locked(dev, &dev->data->rx_queues[qid], priv->rxq);
	pthread_mutex_unlock(&priv->lock);
}

static void
fo_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct fo_priv *priv = FO_PRIV(dev);

	pthread_mutex_lock(&priv->lock);
	fo_queue_release_locked(dev, &dev->data->tx_queues[qid], priv->txq);
	pthread_mutex_unlock(&priv->lock);
}

static int
fo_dev_close(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	struct fo_release rel[FO_NB_ROLES];
	enum fo_role r;
	uint16_t i;

	/* No event or request may start on a port we are tearing down. */
	fo_switch_closing(priv);
	fo_intr_unregister(priv);
	fo_mp_primary_uninit();
	pthread_mutex_lock(&priv->lock);
	if (priv->started)
		fo_dev_stop_locked(dev);
	fo_sub_uninit_locked(priv, rel);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		fo_queue_release_locked(dev, &dev->data->rx_queues[i],
			priv->rxq);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		fo_queue_release_locked(dev, &dev->data->tx_queues[i],
			priv->txq);
	priv->nb_rxq = 0;
	priv->nb_txq = 0;
	pthread_mutex_unlock(&priv->lock);
	FO_FOREACH_ROLE(r)
		fo_sub_release_finish(priv->name, &rel[r]);
	rte_eth_dev_owner_delete(priv->owner.id);
	pthread_mutex_destroy(&priv->lock);
	pthread_mutex_destroy(&priv->cb_lock);
	FO_LOG(INFO, priv, "closed");
	return 0;
}

static int
fo_dev_reset(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	enum fo_role r;
	int ret = 0, err;

	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];

		if (sub->state < FO_SUB_OWNED)
			continue;
		fo_sub_stats_read_locked(priv, sub);
		err = rte_eth_dev_reset(sub->port_id);
		/* A device without reset just needs configuring again. */
		if (err != 0 && err != -ENOTSUP) {
			FO_LOG(ERR, priv, "reset refused by %s %s (%s)",
				fo_role_name(r), sub->dev_name,
				rte_strerror(-err));
			ret = err;
		}
		fo_sub_step_locked(priv, sub, FO_EV_UNCONFIGURED);
	}
	priv->configured = false;
	/* The application sets the port up again: nothing to replay. */
	fo_journal_init(&priv->journal);
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

static int
fo_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	struct fo_priv *priv = FO_PRIV(dev);
	bool changed = false;

	/*
	 * rte_eth_link_get_nowait() comes from datapath lcores too: it must
	 * neither wait for the lock, which a bring-up may hold for long, nor
	 * wait out a grace period. A change of path it sees (a sub-device
	 * that raises no LSC) is published by the deferred work instead.
	 */
	if (!wait_to_complete) {
		if (pthread_mutex_trylock(&priv->lock) != 0)
			return -1;
		if (fo_datapath_stale_locked(priv) || priv->switch_pending)
			fo_service_schedule(priv);
		pthread_mutex_unlock(&priv->lock);
		return -1;
	}
	pthread_mutex_lock(&priv->lock);
	changed = fo_datapath_publish_locked(priv);
	/* The switch is told to the application from the deferred work. */
	if (priv->switch_pending)
		fo_service_schedule(priv);
	pthread_mutex_unlock(&priv->lock);
	return changed ? 0 : -1;
}

static int
fo_dev_set_link(struct rte_eth_dev *dev, bool up)
{
	struct fo_setting set = { .id = FO_SET_LINK, .on = up };
	struct fo_setting undo = { .id = FO_SET_LINK, .on = !up };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_link_down(j, !up);
	fo_journal_unlock(dev);
	fo_link_update(dev, 1);
	return ret;
}

static int
fo_dev_set_link_up(struct rte_eth_dev *dev)
{
	return fo_dev_set_link(dev, true);
}

static int
fo_dev_set_link_down(struct rte_eth_dev *dev)
{
	return fo_dev_set_link(dev, false);
}

static int
fo_promiscuous_set(struct rte_eth_dev *dev, bool on)
{
	struct fo_setting set = { .id = FO_SET_PROMISC, .on = on };
	struct fo_setting undo = { .id = FO_SET_PROMISC, .on = !on };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_promisc(j, on);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_promiscuous_enable(struct rte_eth_dev *dev)
{
	return fo_promiscuous_set(dev, true);
}

static int
fo_promiscuous_disable(struct rte_eth_dev *dev)
{
	return fo_promiscuous_set(dev, false);
}

static int
fo_allmulticast_set(struct rte_eth_dev *dev, bool on)
{
	struct fo_setting set = { .id = FO_SET_ALLMULTI, .on = on };
	struct fo_setting undo = { .id = FO_SET_ALLMULTI, .on = !on };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_allmulti(j, on);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_allmulticast_enable(struct rte_eth_dev *dev)
{
	return fo_allmulticast_set(dev, true);
}

static int
fo_allmulticast_disable(struct rte_eth_dev *dev)
{
	return fo_allmulticast_set(dev, false);
}

static int
fo_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	/* ethdev updates data->mtu only once we succeed. */
	struct fo_setting set = { .id = FO_SET_MTU, .mtu = mtu };
	struct fo_setting undo = { .id = FO_SET_MTU, .mtu = dev->data->mtu };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_mtu(j, mtu);
	fo_journal_unlock(dev);
	return ret;
}

/* The same bytes: ethdev's address is the journal's. */
static const struct fo_mac *
fo_mac_of(const struct rte_ether_addr *addr)
{
	RTE_BUILD_BUG_ON(sizeof(struct fo_mac) !=
		sizeof(struct rte_ether_addr));
	return (const struct fo_mac *)addr;
}

static int
fo_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	struct rte_ether_addr old = dev->data->mac_addrs[0];
	struct fo_setting set = { .id = FO_SET_MAC, .mac = fo_mac_of(addr) };
	struct fo_setting undo = { .id = FO_SET_MAC, .mac = fo_mac_of(&old) };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_mac(j, addr->addr_bytes);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr,
		uint32_t index, uint32_t vmdq)
{
	struct fo_setting add = { .id = FO_SET_MAC_ADD,
		.mac = fo_mac_of(addr) };
	struct fo_setting del = { .id = FO_SET_MAC_DEL,
		.mac = fo_mac_of(addr) };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret;

	RTE_SET_USED(index);
	RTE_SET_USED(vmdq);
	ret = fo_set_all_locked(dev, &add, &del);
	if (ret == 0) {
		ret = fo_journal_mac_add(j, addr->addr_bytes);
		/* Not journaled, not kept: a newcomer would not have it. */
		if (ret != 0)
			fo_set_all_locked(dev, &del, NULL);
	}
	fo_journal_unlock(dev);
	return ret;
}

static void
fo_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index)
{
	struct rte_ether_addr addr = dev->data->mac_addrs[index];
	struct fo_setting del = { .id = FO_SET_MAC_DEL,
		.mac = fo_mac_of(&addr) };
	struct fo_journal *j = fo_journal_lock(dev);

	/* The application no longer wants it, whatever a sub-device says. */
	fo_set_all_locked(dev, &del, NULL);
	fo_journal_mac_del(j, addr.addr_bytes);
	fo_journal_unlock(dev);
}

static int
fo_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *addrs,
		uint32_t n)
{
	struct fo_setting set = { .id = FO_SET_MC_LIST,
		.mc = { .addrs = fo_mac_of(addrs), .n = (uint16_t)n } };
	struct fo_journal *j;
	int ret;

	if (n > FO_JOURNAL_MC)
		return -ENOSPC;
	j = fo_journal_lock(dev);
	ret = fo_set_all_locked(dev, &set, NULL);
	if (ret == 0)
		ret = fo_journal_set_mc(j, set.mc.addrs, set.mc.n);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id, int on)
{
	struct fo_setting set = { .id = FO_SET_VLAN_FILTER,
		.vlan = { .id = vlan_id, .on = on != 0 } };
	struct fo_setting undo = { .id = FO_SET_VLAN_FILTER,
		.vlan = { .id = vlan_id, .on = on == 0 } };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_vlan(j, vlan_id, on != 0);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_vlan_mask(uint64_t offloads)
{
	int mask = 0;

	if (offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
		mask |= RTE_ETH_VLAN_STRIP_OFFLOAD;
	if (offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER)
		mask |= RTE_ETH_VLAN_FILTER_OFFLOAD;
	if (offloads & RTE_ETH_RX_OFFLOAD_VLAN_EXTEND)
		mask |= RTE_ETH_VLAN_EXTEND_OFFLOAD;
	if (offloads & RTE_ETH_RX_OFFLOAD_QINQ_STRIP)
		mask |= RTE_ETH_QINQ_STRIP_OFFLOAD;
	return mask;
}

static int
fo_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	/* ethdev already updated rxmode.offloads; restore on refusal. */
	int want = fo_vlan_mask(dev->data->dev_conf.rxmode.offloads);
	/* mask holds the changed bits; *_MASK and *_OFFLOAD bits coincide. */
	int old = want ^ (mask & (RTE_ETH_VLAN_STRIP_MASK |
			RTE_ETH_VLAN_FILTER_MASK | RTE_ETH_VLAN_EXTEND_MASK |
			RTE_ETH_QINQ_STRIP_MASK));
	struct fo_setting set = { .id = FO_SET_VLAN_OFFLOAD,
		.vlan_offload = want };
	struct fo_setting undo = { .id = FO_SET_VLAN_OFFLOAD,
		.vlan_offload = old };
	struct fo_journal *j = fo_journal_lock(dev);
	int ret = fo_set_all_locked(dev, &set, &undo);

	if (ret == 0)
		fo_journal_set_vlan_offload(j, want);
	fo_journal_unlock(dev);
	return ret;
}

static int
fo_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct fo_setting set = { .id = FO_SET_RSS_HASH,
		.rss = { .hf = conf->rss_hf, .key = conf->rss_key,
			.key_len = conf->rss_key_len } };
	struct fo_journal *j;
	int ret;

	if (conf->rss_key != NULL && conf->rss_key_len > FO_JOURNAL_RSS_KEY)
		return -EINVAL;
	j = fo_journal_lock(dev);
	ret = fo_set_all_locked(dev, &set, NULL);
	if (ret == 0)
		ret = fo_journal_set_rss(j, conf->rss_hf, conf->rss_key,
			conf->rss_key_len);
	fo_journal_unlock(dev);
	return ret;
}

/* The whole RETA of the first configured sub-device. */
static int
fo_reta_read_locked(struct fo_priv *priv, uint16_t *table, uint16_t size)
{
	struct rte_eth_rss_reta_entry64 conf[FO_JOURNAL_RETA /
		RTE_ETH_RETA_GROUP_SIZE];
	enum fo_role r;
	uint16_t i;

	memset(conf, 0, sizeof(conf));
	for (i = 0; i < size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
			UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state < FO_SUB_CONFIGURED ||
				rte_eth_dev_rss_reta_query(priv->sub[r].port_id,
					conf, size) != 0)
			continue;
		for (i = 0; i < size; i++)
			table[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i %
				RTE_ETH_RETA_GROUP_SIZE];
		return 0;
	}
	return -ENODEV;
}

struct fo_reta {
	struct rte_eth_rss_reta_entry64 *conf;
	uint16_t size;
};

/*
 * Not the journal's setting (fo_settings' rss_reta, a whole table): the
 * application's update is partial, by its mask, and only the sub-devices
 * know the entries outside it.
 */
static int
fo_reta_masked(uint16_t port, const void *arg)
{
	const struct fo_reta *r = arg;

	return rte_eth_dev_rss_reta_update(port, r->conf, r->size);
}

static int
fo_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		uint16_t size)
{
	struct fo_reta r = { .conf = conf, .size = size };
	uint16_t table[FO_JOURNAL_RETA];
	uint16_t i, idx, shift;
	struct fo_journal *j;
	int ret;

	if (size > FO_JOURNAL_RETA)
		return -EINVAL;
	j = fo_journal_lock(dev);
	ret = fo_apply_all_locked(dev, "RSS RETA", fo_reta_masked, &r, NULL,
			NULL);
	if (ret != 0) {
		fo_journal_unlock(dev);
		return ret;
	}
	/*
	 * Keep the whole table as a sub-device now has it: entries outside
	 * the mask are whatever they were, which only the device knows.
	 */
	if (fo_reta_read_locked(FO_PRIV(dev), table, size) != 0) {
		if (j->reta_size == size)
			memcpy(table, j->reta, size * sizeof(table[0]));
		else
			memset(table, 0, sizeof(table));
		for (i = 0; i < size; i++) {
			idx = i / RTE_ETH_RETA_GROUP_SIZE;
			shift = i % RTE_ETH_RETA_GROUP_SIZE;
			if (conf[idx].mask & (UINT64_C(1) << shift))
				table[i] = conf[idx].reta[shift];
		}
	}
	ret = fo_journal_set_reta(j, table, size);
	fo_journal_unlock(dev);
	return ret;
}

/* Queries go to the sub-device that carries TX, else any present one. */
static uint16_t
fo_query_port_locked(struct fo_priv *priv)
{
	enum fo_role r;

	if (priv->tx_role != FO_ROLE_NONE)
		return priv->sub[priv->tx_role].port_id;
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state >= FO_SUB_OWNED)
			return priv->sub[r].port_id;
	}
	return FO_PORT_NONE;
}

/*
 * A query answered by one sub-device: the one that carries TX, else any
 * present one; -ENODEV with none. @p fn runs under the lock.
 */
typedef int (fo_query_t)(uint16_t port, void *arg);

static int
fo_query(struct rte_eth_dev *dev, fo_query_t *fn, void *arg)
{
	struct fo_priv *priv = FO_PRIV(dev);
	uint16_t port;
	int ret;

	pthread_mutex_lock(&priv->lock);
	port = fo_query_port_locked(priv);
	ret = port == FO_PORT_NONE ? -ENODEV : fn(port, arg);
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

struct fo_fw {
	char *fw;
	size_t size;
};

static int
fo_q_fw(uint16_t port, void *arg)
{
	struct fo_fw *f = arg;

	return rte_eth_dev_fw_version_get(port, f->fw, f->size);
}

static int
fo_fw_version_get(struct rte_eth_dev *dev, char *fw, size_t size)
{
	struct fo_fw f = { .fw = fw, .size = size };

	return fo_query(dev, fo_q_fw, &f);
}

static int
fo_q_module_info(uint16_t port, void *arg)
{
	return rte_eth_dev_get_module_info(port, arg);
}

static int
fo_get_module_info(struct rte_eth_dev *dev, struct rte_eth_dev_module_info *mi)
{
	return fo_query(dev, fo_q_module_info, mi);
}

static int
fo_q_module_eeprom(uint16_t port, void *arg)
{
	return rte_eth_dev_get_module_eeprom(port, arg);
}

static int
fo_get_module_eeprom(struct rte_eth_dev *dev, struct rte_dev_eeprom_info *e)
{
	return fo_query(dev, fo_q_module_eeprom, e);
}

static int
fo_q_reg(uint16_t port, void *arg)
{
	return rte_eth_dev_get_reg_info(port, arg);
}

static int
fo_get_reg(struct rte_eth_dev *dev, struct rte_dev_reg_info *regs)
{
	return fo_query(dev, fo_q_reg, regs);
}

static int
fo_q_rss_conf(uint16_t port, void *arg)
{
	return rte_eth_dev_rss_hash_conf_get(port, arg);
}

static int
fo_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	return fo_query(dev, fo_q_rss_conf, conf);
}

static int
fo_q_reta(uint16_t port, void *arg)
{
	const struct fo_reta *r = arg;

	return rte_eth_dev_rss_reta_query(port, r->conf, r->size);
}

static int
fo_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		uint16_t size)
{
	struct fo_reta r = { .conf = conf, .size = size };

	return fo_query(dev, fo_q_reta, &r);
}

/*
 * A per-queue TX counter (drops, standby_tx) summed over the queues. The
 * lcores own those cache lines: they are only read here.
 */
uint64_t
fo_queue_sum_locked(const struct fo_priv *priv, size_t offset)
{
	uint64_t sum = 0;
	struct fo_queue *q;
	uint16_t i;

	for (i = 0; i < priv->nb_txq; i++) {
		q = priv->txq[i];
		if (q != NULL)
			sum += __atomic_load_n((uint64_t *)((char *)q + offset),
				__ATOMIC_RELAXED);
	}
	return sum;
}

/* Packets dropped for want of a path, ever, on this port. */
static uint64_t
fo_tx_drops_locked(struct rte_eth_dev *dev)
{
	return FO_PRIV(dev)->tx_drops_base +
		fo_queue_sum_locked(FO_PRIV(dev),
			offsetof(struct fo_queue, drops));
}

static int
fo_dev_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats
		FO_STATS_GET_QSTATS)
{
	struct fo_priv *priv = FO_PRIV(dev);
	enum fo_role r;

	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state >= FO_SUB_OWNED)
			fo_sub_stats_read_locked(priv, &priv->sub[r]);
	}
	fo_stats_total(&priv->stats, (uint64_t *)stats);
	stats->oerrors += fo_tx_drops_locked(dev) - priv->tx_drops_reset;
	pthread_mutex_unlock(&priv->lock);
	return 0;
}

/*
 * Every present sub-device is asked to reset; one that does not (no op,
 * a failure, or one being released after a removal, which is not touched)
 * is read instead, and counts from that reading: the failover counters
 * restart at zero either way, and the reset never fails for it.
 */
static int
fo_dev_stats_reset(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);
	uint64_t now[FO_NB_ROLES][FO_STATS_MAX];
	struct rte_eth_stats st;
	bool keep[FO_NB_ROLES];
	struct fo_sub *sub;
	enum fo_role r;
	int ret;

	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		sub = &priv->sub[r];
		keep[r] = false;
		if (sub->state == FO_SUB_ABSENT || sub->port_id == FO_PORT_NONE)
			continue;
		ret = sub->state == FO_SUB_REMOVING ? -ENODEV :
			rte_eth_stats_reset(sub->port_id);
		if (ret == 0)
			continue;
		keep[r] = true;
		/* Unreadable: it stands where it was last read. */
		if (rte_eth_stats_get(sub->port_id, &st) == 0)
			memcpy(now[r], &st, sizeof(st));
		else
			memcpy(now[r], priv->stats.last[r], sizeof(now[r]));
		FO_LOG(DEBUG, priv, "%s %s kept its counters (%s)",
			fo_role_name(r), sub->dev_name, rte_strerror(-ret));
	}
	fo_stats_reset(&priv->stats);
	FO_FOREACH_ROLE(r) {
		if (keep[r])
			fo_stats_keep(&priv->stats, r, now[r]);
	}
	/*
	 * Queue drop counters belong to the lcores: remember where they
	 * stand instead of writing to their cache lines.
	 */
	priv->tx_drops_reset = fo_tx_drops_locked(dev);
	priv->standby_tx_reset = priv->standby_tx_base +
		fo_queue_sum_locked(FO_PRIV(dev),
			offsetof(struct fo_queue, standby_tx));
	pthread_mutex_unlock(&priv->lock);
	return 0;
}

static void
fo_min16(uint16_t *a, uint16_t b)
{
	if (b < *a)
		*a = b;
}

static void
fo_min32(uint32_t *a, uint32_t b)
{
	if (b < *a)
		*a = b;
}

/*
 * Narrow @p a to the rings @p b takes too. Limits that leave no ring size
 * (adoption refuses such a pair: fo_sub_desc_lim_check_locked()) are
 * skipped rather than reported with a minimum above the maximum.
 */
static void
fo_desc_lim(struct rte_eth_desc_lim *a, const struct rte_eth_desc_lim *b)
{
	struct fo_desc_lim acc = { a->nb_min, a->nb_max, a->nb_align };
	const struct fo_desc_lim lim = { b->nb_min, b->nb_max, b->nb_align };

	if (fo_desc_lim_intersect(&acc, &lim) == 0) {
		a->nb_min = acc.nb_min;
		a->nb_max = acc.nb_max;
		a->nb_align = acc.nb_align;
	}
	fo_min16(&a->nb_seg_max, b->nb_seg_max);
	fo_min16(&a->nb_mtu_seg_max, b->nb_mtu_seg_max);
}

/*
 * What the failover port can do is what every sub-device it has seen can
 * do, including an absent primary, from its profile when it was present:
 * otherwise a configuration accepted now would fail when it comes back.
 *
 * The profiles are written once (fo_sub_adopt_locked): no lock, so a
 * secondary process folds them too, without asking us. It must not ask:
 * DPDK 25.11's pdump gets the device info inside its multi-process
 * callback, where a request of its own cannot be answered.
 */
int
fo_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct fo_priv *priv = FO_PRIV(dev);
	const struct rte_eth_dev_info *s;
	bool any = false, any_size = false, sizes_differ = false;
	uint16_t reta_size = 0;
	uint8_t key_size = 0;
	enum fo_role r;

	info->max_rx_queues = RTE_MAX_QUEUES_PER_PORT;
	info->max_tx_queues = RTE_MAX_QUEUES_PER_PORT;
	info->max_mac_addrs = FO_MAX_MAC_ADDRS;
	info->max_rx_pktlen = UINT32_MAX;
	info->max_mtu = UINT16_MAX;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->rx_offload_capa = UINT64_MAX;
	info->tx_offload_capa = UINT64_MAX;
	info->rx_queue_offload_capa = UINT64_MAX;
	info->tx_queue_offload_capa = UINT64_MAX;
	info->flow_type_rss_offloads = UINT64_MAX;
	info->hash_key_size = UINT8_MAX;
	info->reta_size = UINT16_MAX;
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->rx_desc_lim.nb_align = 1;
	info->rx_desc_lim.nb_seg_max = UINT16_MAX;
	info->rx_desc_lim.nb_mtu_seg_max = UINT16_MAX;
	info->tx_desc_lim = info->rx_desc_lim;

	FO_FOREACH_ROLE(r) {
		if (!__atomic_load_n(&priv->sub[r].info_valid,
				__ATOMIC_ACQUIRE))
			continue;
		s = &priv->sub[r].info;
		any = true;
		fo_min16(&info->max_rx_queues, s->max_rx_queues);
		fo_min16(&info->max_tx_queues, s->max_tx_queues);
		fo_min32(&info->max_mac_addrs, s->max_mac_addrs);
		fo_min32(&info->max_rx_pktlen, s->max_rx_pktlen);
		fo_min16(&info->max_mtu, s->max_mtu);
		info->min_mtu = RTE_MAX(info->min_mtu, s->min_mtu);
		info->min_rx_bufsize = RTE_MAX(info->min_rx_bufsize,
				s->min_rx_bufsize);
		info->rx_offload_capa &= s->rx_offload_capa;
		info->tx_offload_capa &= s->tx_offload_capa;
		info->rx_queue_offload_capa &= s->rx_queue_offload_capa;
		info->tx_queue_offload_capa &= s->tx_queue_offload_capa;
		info->flow_type_rss_offloads &= s->flow_type_rss_offloads;
		/*
		 * Drivers want their own exact table and key sizes: a size is
		 * offered only when every sub-device seen has the same.
		 */
		if (any_size && (s->reta_size != reta_size ||
				s->hash_key_size != key_size))
			sizes_differ = true;
		reta_size = s->reta_size;
		key_size = s->hash_key_size;
		any_size = true;
		info->speed_capa |= s->speed_capa;
		fo_desc_lim(&info->rx_desc_lim, &s->rx_desc_lim);
		fo_desc_lim(&info->tx_desc_lim, &s->tx_desc_lim);
	}
	if (!any) {
		/* Nothing seen yet: promise nothing. */
		info->max_rx_queues = 1;
		info->max_tx_queues = 1;
		info->rx_offload_capa = 0;
		info->tx_offload_capa = 0;
		info->rx_queue_offload_capa = 0;
		info->tx_queue_offload_capa = 0;
		info->flow_type_rss_offloads = 0;
		info->hash_key_size = 0;
		info->reta_size = 0;
	}
	/* Our TX queue counters have one writer: no lock-free MT TX. */
	info->tx_offload_capa &= ~RTE_ETH_TX_OFFLOAD_MT_LOCKFREE;
	info->tx_queue_offload_capa &= ~RTE_ETH_TX_OFFLOAD_MT_LOCKFREE;
	info->reta_size = sizes_differ ? 0 : reta_size;
	info->hash_key_size = sizes_differ ? 0 : key_size;
	/*
	 * A table the journal cannot keep could not be given to a returning
	 * sub-device: not offered (drivers take their own exact size only).
	 */
	if (info->reta_size > FO_JOURNAL_RETA)
		info->reta_size = 0;
	if (info->flow_type_rss_offloads == 0) {
		info->hash_key_size = 0;
		info->reta_size = 0;
	}
	return 0;
}

static int
fo_rxq_start(uint16_t port, const void *arg)
{
	return rte_eth_dev_rx_queue_start(port, *(const uint16_t *)arg);
}

static int
fo_rxq_stop(uint16_t port, const void *arg)
{
	return rte_eth_dev_rx_queue_stop(port, *(const uint16_t *)arg);
}

static int
fo_txq_start(uint16_t port, const void *arg)
{
	return rte_eth_dev_tx_queue_start(port, *(const uint16_t *)arg);
}

static int
fo_txq_stop(uint16_t port, const void *arg)
{
	return rte_eth_dev_tx_queue_stop(port, *(const uint16_t *)arg);
}

/*
 * Apply a queue start or stop and record the queue's state under the lock:
 * a returning sub-device's bring-up replays the states (failover_sub.c),
 * and must not fall between the two.
 */
static int
fo_queue_state_apply(struct rte_eth_dev *dev, const char *what,
		fo_apply_t *apply, fo_apply_t *undo, uint16_t qid,
		uint8_t *state, uint8_t value)
{
	struct fo_priv *priv = FO_PRIV(dev);
	int ret;

	pthread_mutex_lock(&priv->lock);
	ret = fo_apply_all_locked(dev, what, apply, &qid, undo, &qid);
	if (ret == 0)
		*state = value;
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

static int
fo_rx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	return fo_queue_state_apply(dev, "rx queue start", fo_rxq_start,
		fo_rxq_stop, qid, &dev->data->rx_queue_state[qid],
		RTE_ETH_QUEUE_STATE_STARTED);
}

static int
fo_rx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	return fo_queue_state_apply(dev, "rx queue stop", fo_rxq_stop,
		fo_rxq_start, qid, &dev->data->rx_queue_state[qid],
		RTE_ETH_QUEUE_STATE_STOPPED);
}

static int
fo_tx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	return fo_queue_state_apply(dev, "tx queue start", fo_txq_start,
		fo_txq_stop, qid, &dev->data->tx_queue_state[qid],
		RTE_ETH_QUEUE_STATE_STARTED);
}

static int
fo_tx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	return fo_queue_state_apply(dev, "tx queue stop", fo_txq_stop,
		fo_txq_start, qid, &dev->data->tx_queue_state[qid],
		RTE_ETH_QUEUE_STATE_STOPPED);
}

static struct fo_queue *
fo_queue_new(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket_id)
{
	struct fo_queue *q;

	q = rte_zmalloc_socket("failover_queue", sizeof(*q),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (q == NULL)
		return NULL;
	q->priv = FO_PRIV(dev);
	q->qid = qid;
	q->port_id = dev->data->port_id;
	q->fence = FO_PRIV(dev)->sync_mode == FO_SYNC_FENCE;
	q->path.tx = FO_PORT_NONE;
	q->nb_desc = nb_desc;
	q->socket_id = socket_id;
	return q;
}

static int
fo_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket_id, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	struct fo_priv *priv = FO_PRIV(dev);
	struct fo_queue *q;
	enum fo_role r;
	int ret = 0;

	q = fo_queue_new(dev, qid, nb_desc, socket_id);
	if (q == NULL)
		return -ENOMEM;
	q->rx_conf = *conf;
	q->mp = mp;
	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state < FO_SUB_CONFIGURED)
			continue;
		ret = rte_eth_rx_queue_setup(priv->sub[r].port_id, qid,
				nb_desc, socket_id, conf, mp);
		if (ret != 0) {
			FO_LOG(ERR, priv, "rx queue %u setup refused by %s %s "
				"(%s)", qid, fo_role_name(r),
				priv->sub[r].dev_name, rte_strerror(-ret));
			break;
		}
	}
	if (ret == 0) {
		dev->data->rx_queues[qid] = q;
		priv->rxq[qid] = q;
	}
	pthread_mutex_unlock(&priv->lock);
	if (ret != 0)
		rte_free(q);
	return ret;
}

static int
fo_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	struct fo_priv *priv = FO_PRIV(dev);
	struct fo_queue *q;
	enum fo_role r;
	int ret = 0;

	q = fo_queue_new(dev, qid, nb_desc, socket_id);
	if (q == NULL)
		return -ENOMEM;
	q->tx_conf = *conf;
	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state < FO_SUB_CONFIGURED)
			continue;
		ret = rte_eth_tx_queue_setup(priv->sub[r].port_id, qid,
				nb_desc, socket_id, conf);
		if (ret != 0) {
			FO_LOG(ERR, priv, "tx queue %u setup refused by %s %s "
				"(%s)", qid, fo_role_name(r),
				priv->sub[r].dev_name, rte_strerror(-ret));
			break;
		}
	}
	if (ret == 0) {
		dev->data->tx_queues[qid] = q;
		priv->txq[qid] = q;
	}
	pthread_mutex_unlock(&priv->lock);
	if (ret != 0)
		rte_free(q);
	return ret;
}

const struct eth_dev_ops failover_ops = {
	.dev_configure = fo_dev_configure,
	.dev_start = fo_dev_start,
	.dev_stop = fo_dev_stop,
	.dev_close = fo_dev_close,
	.dev_reset = fo_dev_reset,
	.dev_set_link_up = fo_dev_set_link_up,
	.dev_set_link_down = fo_dev_set_link_down,
	.link_update = fo_link_update,
	.promiscuous_enable = fo_promiscuous_enable,
	.promiscuous_disable = fo_promiscuous_disable,
	.allmulticast_enable = fo_allmulticast_enable,
	.allmulticast_disable = fo_allmulticast_disable,
	.mtu_set = fo_mtu_set,
	.mac_addr_set = fo_mac_addr_set,
	.mac_addr_add = fo_mac_addr_add,
	.mac_addr_remove = fo_mac_addr_remove,
	.set_mc_addr_list = fo_set_mc_addr_list,
	.vlan_filter_set = fo_vlan_filter_set,
	.vlan_offload_set = fo_vlan_offload_set,
	.rss_hash_update = fo_rss_hash_update,
	.rss_hash_conf_get = fo_rss_hash_conf_get,
	.reta_update = fo_reta_update,
	.reta_query = fo_reta_query,
	.stats_get = fo_dev_stats_get,
	.stats_reset = fo_dev_stats_reset,
	.dev_infos_get = fo_dev_infos_get,
	.rx_queue_setup = fo_rx_queue_setup,
	.tx_queue_setup = fo_tx_queue_setup,
	.rx_queue_release = fo_rx_queue_release,
	.tx_queue_release = fo_tx_queue_release,
	.rx_queue_start = fo_rx_queue_start,
	.rx_queue_stop = fo_rx_queue_stop,
	.tx_queue_start = fo_tx_queue_start,
	.tx_queue_stop = fo_tx_queue_stop,
	.xstats_get = fo_xstats_get,
	.xstats_get_names = fo_xstats_get_names,
	.xstats_reset = fo_xstats_reset,
	.fw_version_get = fo_fw_version_get,
	.get_module_info = fo_get_module_info,
	.get_module_eeprom = fo_get_module_eeprom,
	.get_reg = fo_get_reg,
	.eth_dev_priv_dump = fo_priv_dump,
};
