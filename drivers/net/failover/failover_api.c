/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <stdarg.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_per_lcore.h>

#include "failover_private.h"
#include "rte_pmd_failover.h"

bool
fo_is_failover(uint16_t port_id)
{
	return rte_eth_dev_is_valid_port(port_id) &&
		(rte_eth_devices[port_id].dev_ops == &failover_ops ||
		 rte_eth_devices[port_id].dev_ops == &failover_secondary_ops);
}

static struct fo_priv *
fo_priv_of(uint16_t port_id, int *err)
{
	if (!rte_eth_dev_is_valid_port(port_id)) {
		*err = -ENODEV;
		return NULL;
	}
	if (!fo_is_failover(port_id)) {
		*err = -EINVAL;
		return NULL;
	}
	*err = 0;
	return FO_PRIV(&rte_eth_devices[port_id]);
}

/*
 * The port @p port_id, for a call that drives it: the datapath, its grace
 * period and the callbacks are the primary process's own.
 */
static struct fo_priv *
fo_priv_to_drive(uint16_t port_id, int *err)
{
	struct fo_priv *priv = fo_priv_of(port_id, err);

	if (priv != NULL && rte_eal_process_type() != RTE_PROC_PRIMARY) {
		*err = -E_RTE_SECONDARY;
		return NULL;
	}
	return priv;
}

void
fo_history_add_locked(struct fo_priv *priv, const char *fmt, ...)
{
	struct fo_history *h = &priv->history[priv->history_next %
		FO_HISTORY];
	va_list ap;

	h->tsc = rte_get_timer_cycles();
	va_start(ap, fmt);
	vsnprintf(h->text, sizeof(h->text), fmt, ap);
	va_end(ap);
	priv->history_next++;
}

/*
 * Tell the application's callback of a switchover, outside the PMD's lock.
 * Several switches since the last notice are told as one, from the role
 * before the first to the role now; none if that is the same role.
 */
/* Milliseconds since boot of a TSC value, without overflowing. */
uint64_t
fo_tsc_to_ms(uint64_t tsc)
{
	uint64_t hz = rte_get_timer_hz();

	return tsc / hz * 1000 + tsc % hz * 1000 / hz;
}

/* The port whose switchover callback this thread runs, if any. */
static RTE_DEFINE_PER_LCORE(struct fo_priv *, fo_in_switch_cb);
/* The port was closed from inside its switchover callback: priv is gone. */
static RTE_DEFINE_PER_LCORE(bool, fo_closed_in_switch_cb);

void
fo_switch_closing(struct fo_priv *priv)
{
	if (RTE_PER_LCORE(fo_in_switch_cb) == priv)
		RTE_PER_LCORE(fo_closed_in_switch_cb) = true;
}

bool
fo_switch_notify(struct fo_priv *priv)
{
	rte_pmd_failover_switch_cb cb;
	struct fo_priv *outer;
	enum fo_role from, to;
	bool closed;
	void *arg;

	pthread_mutex_lock(&priv->lock);
	if (!priv->switch_pending) {
		pthread_mutex_unlock(&priv->lock);
		return true;
	}
	priv->switch_pending = false;
	from = priv->switch_from;
	to = priv->tx_role;
	pthread_mutex_unlock(&priv->lock);
	if (from == to)
		return true;
	pthread_mutex_lock(&priv->cb_lock);
	cb = priv->switch_cb;
	arg = priv->switch_cb_arg;
	if (cb != NULL)
		__atomic_fetch_add(&priv->cb_running, 1, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&priv->cb_lock);
	if (cb == NULL)
		return true;
	/* No lock held: the callback may use the ethdev API and ours. */
	outer = RTE_PER_LCORE(fo_in_switch_cb);
	RTE_PER_LCORE(fo_in_switch_cb) = priv;
	RTE_PER_LCORE(fo_closed_in_switch_cb) = false;
	cb(priv->dev->data->port_id, (enum rte_pmd_failover_role)from,
		(enum rte_pmd_failover_role)to, arg);
	closed = RTE_PER_LCORE(fo_closed_in_switch_cb);
	RTE_PER_LCORE(fo_closed_in_switch_cb) = false;
	RTE_PER_LCORE(fo_in_switch_cb) = outer;
	if (closed)
		return false;
	__atomic_fetch_sub(&priv->cb_running, 1, __ATOMIC_RELEASE);
	return true;
}

int
rte_pmd_failover_info_get(uint16_t port_id, struct rte_pmd_failover_info *info)
{
	struct fo_priv *priv;
	int ret;

	priv = fo_priv_of(port_id, &ret);
	if (priv == NULL)
		return ret;
	if (info == NULL)
		return -EINVAL;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return fo_secondary_info_get(&rte_eth_devices[port_id], info);
	pthread_mutex_lock(&priv->lock);
	info->tx_role = (enum rte_pmd_failover_role)priv->tx_role;
	info->primary_port = priv->sub[FO_PRIMARY].port_id;
	info->standby_port = priv->sub[FO_STANDBY].port_id;
	info->primary_present = priv->sub[FO_PRIMARY].state >= FO_SUB_OWNED;
	info->standby_present = priv->sub[FO_STANDBY].state >= FO_SUB_OWNED;
	info->forced_standby = priv->forced_standby;
	info->switchovers = priv->switchovers;
	info->last_switch_tsc = priv->last_switch_tsc;
	pthread_mutex_unlock(&priv->lock);
	return 0;
}

int
rte_pmd_failover_force_standby(uint16_t port_id, bool on)
{
	struct fo_priv *priv;
	bool changed;
	int ret;

	priv = fo_priv_to_drive(port_id, &ret);
	if (priv == NULL)
		return ret;
	pthread_mutex_lock(&priv->lock);
	if (priv->forced_standby != on) {
		priv->forced_standby = on;
		fo_history_add_locked(priv, "standby %s by the application",
			on ? "forced" : "released");
	}
	/* Returns after the grace period: nothing transmits on the primary. */
	changed = fo_datapath_publish_locked(priv);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
	return 0;
}

int
rte_pmd_failover_switch_callback_register(uint16_t port_id,
		rte_pmd_failover_switch_cb cb, void *arg)
{
	struct fo_priv *priv;
	int ret;

	priv = fo_priv_to_drive(port_id, &ret);
	if (priv == NULL)
		return ret;
	if (cb == NULL)
		return -EINVAL;
	pthread_mutex_lock(&priv->cb_lock);
	if (priv->switch_cb != NULL) {
		ret = -EBUSY;
	} else {
		priv->switch_cb = cb;
		priv->switch_cb_arg = arg;
	}
	pthread_mutex_unlock(&priv->cb_lock);
	return ret;
}

int
rte_pmd_failover_switch_callback_unregister(uint16_t port_id,
		rte_pmd_failover_switch_cb cb, void *arg)
{
	struct fo_priv *priv;
	int ret;

	priv = fo_priv_to_drive(port_id, &ret);
	if (priv == NULL)
		return ret;
	pthread_mutex_lock(&priv->cb_lock);
	if (priv->switch_cb != cb || priv->switch_cb_arg != arg) {
		ret = -ENOENT;
	} else {
		priv->switch_cb = NULL;
		priv->switch_cb_arg = NULL;
	}
	pthread_mutex_unlock(&priv->cb_lock);
	/*
	 * A run that took the callback before we cleared it may still be
	 * going: wait it out, unless it is ours (called from the callback).
	 */
	while (ret == 0 && RTE_PER_LCORE(fo_in_switch_cb) != priv &&
			__atomic_load_n(&priv->cb_running, __ATOMIC_ACQUIRE) != 0)
		rte_pause();
	return ret;
}

const char *
rte_pmd_failover_role_name(enum rte_pmd_failover_role role)
{
	return fo_role_name((enum fo_role)role);
}
