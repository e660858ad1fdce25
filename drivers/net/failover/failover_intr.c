/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_string_fns.h>

#include "failover_private.h"

void
fo_link_notify(struct fo_priv *priv, bool changed)
{
	/* Outside the lock: an application callback may query the port. */
	if (!fo_switch_notify(priv))
		return;
	if (changed && priv->dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(priv->dev, RTE_ETH_EVENT_INTR_LSC,
			NULL);
}

/* Carry out what @p ev calls for on the sub-device of @p role. */
static bool
fo_event_locked(struct fo_priv *priv, enum fo_role role, enum fo_event ev)
{
	struct fo_sub *sub = &priv->sub[role];
	enum fo_sub_state was = sub->state;
	enum fo_action act = fo_sub_step_locked(priv, sub, ev);
	bool changed = false;

	if (act == FO_ACT_NONE || act == FO_ACT_INVALID)
		return false;
	if (ev != FO_EV_LINK)
		FO_EV_LOG(NOTICE, priv, "%s %s (port %u): %s in state %s",
			fo_role_name(role), sub->dev_name, sub->port_id,
			fo_event_name(ev), fo_state_name(was));
	if (ev != FO_EV_LINK)
		fo_history_add_locked(priv, "%s %s: %s", fo_role_name(role),
			sub->dev_name, fo_event_name(ev));
	switch (act) {
	case FO_ACT_REPATH:
		changed = fo_datapath_publish_locked(priv);
		break;
	case FO_ACT_RELEASE_DEFERRED:
		/* Out of the datapath now; stop and close it after. */
		changed = fo_datapath_publish_locked(priv);
		fo_service_schedule(priv);
		break;
	case FO_ACT_FORGET_NOW:
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
	case FO_ACT_INVALID:
		break;
	}
	return changed;
}

static int
fo_eth_event_priv(uint16_t port_id, enum rte_eth_event_type type,
		struct fo_priv *priv, void *ret_param)
{
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
			fo_service_schedule(priv);
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
			fo_service_schedule(priv);
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
fo_dev_event_priv(const char *device_name, enum rte_dev_event_type type,
		struct fo_priv *priv)
{
	struct fo_sub *primary = &priv->sub[FO_PRIMARY];
	bool changed = false;
	enum fo_role r;

	pthread_mutex_lock(&priv->lock);
	if (type == RTE_DEV_EVENT_ADD) {
		/*
		 * EAL says a device appeared, before any driver is bound to
		 * it: the deferred work probes it once one is.
		 */
		if (primary->state == FO_SUB_ABSENT &&
				(strcmp(priv->args.primary.name,
					device_name) == 0 ||
				 priv->args.probe_any)) {
			FO_EV_LOG(INFO, priv, "device %s added", device_name);
			/* probe_any: once, to learn its MAC; not kept. */
			if (priv->args.primary.name[0] == '\0')
				rte_strscpy(priv->probe_once, device_name,
					sizeof(priv->probe_once));
			else
				fo_wait_step_locked(priv,
					fo_is_pci(device_name) ?
					FO_WEV_ADDED_PCI : FO_WEV_ASKED);
			fo_service_schedule(priv);
		}
	} else if (type == RTE_DEV_EVENT_REMOVE) {
		FO_FOREACH_ROLE(r) {
			if (priv->sub[r].port_id != FO_PORT_NONE &&
					strcmp(priv->sub[r].dev_name,
						device_name) == 0)
				changed |= fo_event_locked(priv, r,
					FO_EV_DEV_REMOVE);
		}
	}
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
}

/*
 * Which threads hold references, so that a close made from inside a call
 * holding one (an application callback we run) does not wait for itself.
 * Thread-local storage would do, but in a PMD loaded with -d it is dynamic
 * TLS, which LeakSanitizer's stop-the-world does not survive.
 */
#define FO_HOLDERS 8
struct fo_holder {
	pthread_t tid;
	unsigned int refs;
};

/*
 * What the event callbacks get instead of priv. ethdev cannot always take
 * back a callback that is running (for RTE_ETH_ALL it reports -EAGAIN of
 * the last port only), so a registration may outlive the port and be
 * called later. The handles outlive everything: a callback takes a
 * reference on its handle's priv for the call; close clears the handle and
 * waits for the references to go, and a stale registration then finds
 * nothing to do. The handle's lock is never held across a call: callbacks
 * wait for priv->lock, whose holder may raise events itself.
 */
struct fo_handle {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct fo_priv *priv;
	unsigned int users;
	struct fo_holder holders[FO_HOLDERS];
};

static struct fo_handle fo_handles[RTE_MAX_ETHPORTS] = {
	[0 ... RTE_MAX_ETHPORTS - 1] = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.idle = PTHREAD_COND_INITIALIZER,
	},
};

/* This thread's entry in @p h, a free one if @p add; NULL if none. */
static struct fo_holder *
fo_holder_of_self_locked(struct fo_handle *h, bool add)
{
	struct fo_holder *free_one = NULL;
	unsigned int i;

	for (i = 0; i < FO_HOLDERS; i++) {
		if (h->holders[i].refs == 0) {
			if (free_one == NULL)
				free_one = &h->holders[i];
		} else if (pthread_equal(h->holders[i].tid, pthread_self())) {
			return &h->holders[i];
		}
	}
	if (!add || free_one == NULL)
		return NULL;
	free_one->tid = pthread_self();
	return free_one;
}

static struct fo_priv *
fo_handle_ref(struct fo_handle *h)
{
	struct fo_holder *self;
	struct fo_priv *priv;

	pthread_mutex_lock(&h->lock);
	priv = h->priv;
	if (priv != NULL) {
		h->users++;
		/* Untracked past FO_HOLDERS threads at once: never nested. */
		self = fo_holder_of_self_locked(h, true);
		if (self != NULL)
			self->refs++;
	}
	pthread_mutex_unlock(&h->lock);
	return priv;
}

static void
fo_handle_unref(struct fo_handle *h)
{
	struct fo_holder *self;

	pthread_mutex_lock(&h->lock);
	self = fo_holder_of_self_locked(h, false);
	if (self != NULL)
		self->refs--;
	/*
	 * Not only at zero: a close waits for the references of the other
	 * threads only, and holds its own when it runs in a call of ours.
	 */
	h->users--;
	pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->lock);
}

/* The references the calling thread holds on @p h. */
static unsigned int
fo_handle_mine_locked(struct fo_handle *h)
{
	struct fo_holder *self = fo_holder_of_self_locked(h, false);

	return self != NULL ? self->refs : 0;
}

/* The live priv of failover port @p port_id, referenced until put. */
struct fo_priv *
fo_handle_get(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS)
		return NULL;
	return fo_handle_ref(&fo_handles[port_id]);
}

void
fo_handle_put(uint16_t port_id)
{
	fo_handle_unref(&fo_handles[port_id]);
}

static int
fo_eth_event(uint16_t port_id, enum rte_eth_event_type type, void *arg,
		void *ret_param)
{
	struct fo_handle *h = arg;
	struct fo_priv *priv = fo_handle_ref(h);
	int ret;

	if (priv == NULL)
		return 0;
	ret = fo_eth_event_priv(port_id, type, priv, ret_param);
	fo_handle_unref(h);
	return ret;
}

static void
fo_dev_event(const char *device_name, enum rte_dev_event_type type, void *arg)
{
	struct fo_handle *h = arg;
	struct fo_priv *priv = fo_handle_ref(h);

	if (priv == NULL)
		return;
	fo_dev_event_priv(device_name, type, priv);
	fo_handle_unref(h);
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
	struct fo_handle *h = &fo_handles[priv->dev->data->port_id];
	unsigned int i;
	int ret;

	/* Stale registrations of an earlier port with this id go first. */
	for (i = 0; i < RTE_DIM(fo_eth_events); i++)
		rte_eth_dev_callback_unregister(RTE_ETH_ALL, fo_eth_events[i],
			fo_eth_event, h);
	rte_dev_event_callback_unregister(NULL, fo_dev_event, h);
	pthread_mutex_lock(&h->lock);
	h->priv = priv;
	pthread_mutex_unlock(&h->lock);
	/*
	 * PCI devices come and go with uevents: the monitor turns them into
	 * RTE_DEV_EVENT_ADD/REMOVE. Without it a PCI primary that returns is
	 * found by hotplug_poll only.
	 */
	if (fo_is_pci(priv->args.primary.name) || priv->args.probe_any) {
		if (rte_dev_event_monitor_start() == 0)
			priv->monitor_started = true;
		else
			FO_LOG(WARNING, priv, "no device event monitor: a "
				"returning PCI primary is found by "
				"hotplug_poll only");
	}
	/*
	 * Served before the first event can ask for work. A device bound to
	 * uio vanishes before anyone is told: EAL's hotplug handler turns the
	 * lcores' faults on its BARs into reads of dummy memory until the
	 * removal event has taken it out.
	 */
	ret = fo_owner_attach(priv, priv->monitor_started);
	if (ret != 0)
		goto fail;
	for (i = 0; i < RTE_DIM(fo_eth_events); i++) {
		ret = rte_eth_dev_callback_register(RTE_ETH_ALL,
				fo_eth_events[i], fo_eth_event, h);
		if (ret != 0)
			goto fail;
	}
	ret = rte_dev_event_callback_register(NULL, fo_dev_event, h);
	if (ret != 0)
		goto fail;
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
	struct fo_handle *h = &fo_handles[priv->dev->data->port_id];
	unsigned int i;

	/*
	 * Later callbacks find no priv; wait for those in progress (the
	 * caller does not hold priv->lock, which they may be waiting for),
	 * but for the caller's own: an application may close the port from
	 * a callback we run, or from its switchover callback.
	 */
	pthread_mutex_lock(&h->lock);
	h->priv = NULL;
	while (h->users > fo_handle_mine_locked(h))
		pthread_cond_wait(&h->idle, &h->lock);
	pthread_mutex_unlock(&h->lock);
	/* Best effort: what is running now stays, harmlessly. */
	for (i = 0; i < RTE_DIM(fo_eth_events); i++)
		rte_eth_dev_callback_unregister(RTE_ETH_ALL, fo_eth_events[i],
			fo_eth_event, h);
	rte_dev_event_callback_unregister(NULL, fo_dev_event, h);
	fo_owner_detach(priv);
	if (priv->monitor_started) {
		rte_dev_event_monitor_stop();
		priv->monitor_started = false;
	}
}
