/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_dev.h>

#include "failover_private.h"

/* Deferred work runs this soon after being asked for (microseconds). */
#define FO_SERVICE_DELAY_US 10

static void fo_service(void *arg);

void
fo_link_notify(struct fo_priv *priv, bool changed)
{
	/* Outside the lock: an application callback may query the port. */
	if (changed && priv->dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(priv->dev, RTE_ETH_EVENT_INTR_LSC,
			NULL);
}

void
fo_service_schedule_locked(struct fo_priv *priv)
{
	if (priv->service_armed)
		return;
	if (rte_eal_alarm_set(FO_SERVICE_DELAY_US, fo_service, priv) == 0)
		priv->service_armed = true;
	else
		FO_LOG(ERR, priv, "cannot arm the service alarm");
}

/*
 * Deferred work, in the interrupt thread: release sub-devices that left the
 * datapath after a removal, bring up the ones that joined, republish.
 */
static void
fo_service(void *arg)
{
	struct fo_priv *priv = arg;
	bool changed;
	enum fo_role r;

	pthread_mutex_lock(&priv->lock);
	priv->service_armed = false;
	fo_sub_adopt_claimed_locked(priv);
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];

		if (sub->state == FO_SUB_REMOVING)
			fo_sub_release_locked(priv, sub);
		else if (sub->state >= FO_SUB_OWNED)
			fo_sub_bring_up_locked(priv, sub);
	}
	changed = fo_datapath_publish_locked(priv);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
}

/* Carry out what @p ev calls for on the sub-device of @p role. */
static bool
fo_event_locked(struct fo_priv *priv, enum fo_role role, enum fo_event ev)
{
	struct fo_sub *sub = &priv->sub[role];
	enum fo_action act = fo_event_action(sub->state, ev);
	bool changed = false;

	if (act == FO_ACT_NONE)
		return false;
	if (ev != FO_EV_LINK)
		FO_EV_LOG(NOTICE, priv, "%s %s (port %u): %s in state %s",
			fo_role_name(role), sub->dev_name, sub->port_id,
			fo_event_name(ev), fo_state_name(sub->state));
	switch (act) {
	case FO_ACT_REPATH:
		changed = fo_datapath_publish_locked(priv);
		break;
	case FO_ACT_RELEASE_DEFERRED:
		/* Out of the datapath now; stop and close it after. */
		sub->state = fo_action_state(sub->state, act);
		changed = fo_datapath_publish_locked(priv);
		fo_service_schedule_locked(priv);
		break;
	case FO_ACT_FORGET_NOW:
		sub->state = fo_action_state(sub->state, act);
		changed = fo_datapath_publish_locked(priv);
		/*
		 * The port is freed when we return: read it a last time, after
		 * the grace period, so no packet sent through it is missed.
		 */
		fo_sub_stats_read_locked(priv, sub);
		fo_stats_retire(&priv->stats, role);
		__atomic_store_n(&sub->port_id, FO_PORT_NONE, __ATOMIC_RELEASE);
		sub->probed_here = false;
		break;
	case FO_ACT_NONE:
		break;
	}
	return changed;
}

static int
fo_eth_event(uint16_t port_id, enum rte_eth_event_type type, void *arg,
		void *ret_param)
{
	struct fo_priv *priv = arg;
	enum fo_role role;
	enum fo_event ev;
	bool changed;

	RTE_SET_USED(ret_param);
	if (port_id == priv->dev->data->port_id)
		return 0;
	if (type == RTE_ETH_EVENT_NEW) {
		/*
		 * Claimed now, before the application can see the port;
		 * adopted by the deferred work once ethdev lets us use it.
		 */
		if (fo_sub_claim(priv, port_id))
			rte_eal_alarm_set(FO_SERVICE_DELAY_US, fo_service, priv);
		return 0;
	}
	role = fo_sub_role_of_port(priv, port_id);
	if (role == FO_ROLE_NONE)
		return 0;
	switch (type) {
	case RTE_ETH_EVENT_INTR_RMV:
		ev = FO_EV_INTR_RMV;
		break;
	case RTE_ETH_EVENT_DESTROY:
		ev = FO_EV_DESTROY;
		break;
	case RTE_ETH_EVENT_INTR_LSC:
		/*
		 * Drivers may raise LSC from inside an op we called with the
		 * lock held: never wait for it here.
		 */
		if (pthread_mutex_trylock(&priv->lock) != 0) {
			rte_eal_alarm_set(FO_SERVICE_DELAY_US, fo_service, priv);
			return 0;
		}
		changed = fo_event_locked(priv, role, FO_EV_LINK);
		pthread_mutex_unlock(&priv->lock);
		fo_link_notify(priv, changed);
		return 0;
	default:
		return 0;
	}
	pthread_mutex_lock(&priv->lock);
	/* It may have gone while we waited for the lock. */
	changed = fo_sub_role_of_port(priv, port_id) == role &&
		fo_event_locked(priv, role, ev);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
	return 0;
}

static void
fo_dev_event(const char *device_name, enum rte_dev_event_type type, void *arg)
{
	struct fo_priv *priv = arg;
	bool changed = false;
	enum fo_role r;

	if (type != RTE_DEV_EVENT_REMOVE)
		return;
	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].port_id != FO_PORT_NONE &&
				strcmp(priv->sub[r].dev_name, device_name) == 0)
			changed |= fo_event_locked(priv, r, FO_EV_DEV_REMOVE);
	}
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
}

static const enum rte_eth_event_type fo_eth_events[] = {
	RTE_ETH_EVENT_NEW,
	RTE_ETH_EVENT_INTR_RMV,
	RTE_ETH_EVENT_DESTROY,
	RTE_ETH_EVENT_INTR_LSC,
};

/*
 * Events are registered for every port, once: a registration on one port
 * outlives the port (its id comes back for the next device) and cannot be
 * undone once the port is released, so filtering by port id is the only
 * way not to leave stale callbacks behind. RMV is registered whether or not
 * a sub-device advertises it.
 */
int
fo_intr_register(struct fo_priv *priv)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(fo_eth_events); i++) {
		ret = rte_eth_dev_callback_register(RTE_ETH_ALL,
				fo_eth_events[i], fo_eth_event, priv);
		if (ret != 0)
			goto fail;
	}
	ret = rte_dev_event_callback_register(NULL, fo_dev_event, priv);
	if (ret == 0)
		return 0;
fail:
	FO_LOG(ERR, priv, "cannot register event callbacks (%s)",
		rte_strerror(-ret));
	fo_intr_unregister(priv);
	return ret;
}

void
fo_intr_unregister(struct fo_priv *priv)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(fo_eth_events); i++) {
		/* -EAGAIN: the callback is running in another thread. */
		while (rte_eth_dev_callback_unregister(RTE_ETH_ALL,
				fo_eth_events[i], fo_eth_event, priv) == -EAGAIN)
			rte_pause();
	}
	while (rte_dev_event_callback_unregister(NULL, fo_dev_event, priv) ==
			-EAGAIN)
		rte_pause();
	/* Cancelling waits for a running alarm to finish. */
	rte_eal_alarm_cancel(fo_service, priv);
	priv->service_armed = false;
}
