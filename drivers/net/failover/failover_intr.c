/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <bus_driver.h>
#include <rte_pci.h>
#include <bus_pci_driver.h>
#include <rte_string_fns.h>

#include "failover_private.h"

/* Deferred work runs this soon after being asked for (microseconds). */
#define FO_SERVICE_DELAY_US 10
/*
 * EAL reports a PCI device added before any driver is bound to it, and
 * says nothing when one is: look again this often, for this long.
 */
#define FO_BIND_POLL_MS 10
#define FO_BIND_WAIT_MS 30000

/* EAL's hotplug handler is process-wide; the failover ports share it. */
static unsigned int fo_hotplug_handle_users;

static void fo_service(void *arg);

static bool
fo_is_pci(const char *name)
{
	struct rte_pci_addr addr;

	return name[0] != '\0' && rte_pci_addr_parse(name, &addr) == 0;
}

void
fo_link_notify(struct fo_priv *priv, bool changed)
{
	/* Outside the lock: an application callback may query the port. */
	fo_switch_notify(priv);
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

/* Run the deferred work again at @p tsc (a policy window ends then). */
void
fo_service_schedule_at_locked(struct fo_priv *priv, uint64_t tsc)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t us = tsc > now ?
		(tsc - now) / RTE_MAX(rte_get_timer_hz() / 1000000, 1ULL) : 0;

	rte_eal_alarm_set(RTE_MAX(us, (uint64_t)FO_SERVICE_DELAY_US),
		fo_service, priv);
}

/*
 * What to probe for an absent primary: a device given in parentheses, or
 * whose arguments were kept when first adopted, can always be re-created;
 * a PCI device succeeds once it is back and bound. Its NEW event claims it.
 */
static void
fo_reprobe_what_locked(struct fo_priv *priv, char *what, size_t len)
{
	struct fo_sub *sub = &priv->sub[FO_PRIMARY];

	if (sub->state != FO_SUB_ABSENT)
		return;
	rte_strscpy(what, sub->reprobe[0] != '\0' ? sub->reprobe :
		priv->args.primary.name, len);
}

/*
 * Whether a kernel driver holds the PCI device @p name: probing before the
 * guest's udev binds it would fail, and say so loudly, every time.
 */
static bool
fo_pci_bound(const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/driver", rte_pci_get_sysfs_path(),
		name);
	return readlink(path, target, sizeof(target)) > 0;
}

static int
fo_dev_name_is(const struct rte_device *dev, const void *name)
{
	return strcmp(rte_dev_name(dev), name);
}

/*
 * Whether the device @p what names is on its bus and probed, asked of the
 * bus itself. An application's detach of the primary is over once the
 * answer is no: the vdev bus answers under the lock it holds for the whole
 * of a removal, devargs included, so a probe made after it cannot meet
 * that removal in EAL's devargs list, which has no lock of its own. The
 * PCI bus has no such lock: there the race remains.
 */
static bool
fo_dev_on_bus(const char *what)
{
	struct rte_device *dev = NULL;
	struct rte_devargs da;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, what) != 0)
		return false;
	if (da.bus != NULL && da.bus->find_device != NULL)
		dev = da.bus->find_device(NULL, fo_dev_name_is, da.name);
	rte_devargs_reset(&da);
	/* A PCI device scanned but not bound yet is one to probe. */
	return dev != NULL && rte_dev_is_probed(dev);
}

static void
fo_reprobe(struct fo_priv *priv, const char *what)
{
	int ret;

	/* Still there: nothing to probe, or its removal is in progress. */
	if (fo_dev_on_bus(what))
		return;
	ret = rte_dev_probe(what);

	/* Not there yet is the common case of a poll: no noise. */
	if (ret == 0) {
		FO_EV_LOG(INFO, priv, "primary %s probed again", what);
		/* Ours to remove at close, as at creation. */
		pthread_mutex_lock(&priv->lock);
		priv->sub[FO_PRIMARY].probed_here = true;
		pthread_mutex_unlock(&priv->lock);
	} else if (ret != -EEXIST) {
		FO_EV_LOG(DEBUG, priv, "probe of %s: %s", what,
			rte_strerror(-ret));
	}
}

struct fo_release_job {
	struct fo_priv *priv;
	struct fo_release rel;
};

/*
 * A removed device is stopped and removed in a thread of its own: a device
 * that vanished (uio) answers its driver's register polls with nothing, and
 * its stop and close then take seconds, which the interrupt thread, serving
 * every port's events and alarms, cannot spend. A device that comes back at
 * the same address is probed once this is done.
 */
static void *
fo_release_thread(void *arg)
{
	struct fo_release_job *job = arg;
	struct fo_priv *priv = job->priv;

	fo_sub_release_finish(priv, &job->rel);
	pthread_mutex_lock(&priv->lock);
	priv->releasing--;
	if (!priv->closing && priv->bind_wait_end != 0) {
		priv->probe_pending = true;
		fo_service_schedule_locked(priv);
	}
	pthread_cond_broadcast(&priv->release_done);
	pthread_mutex_unlock(&priv->lock);
	free(job);
	return NULL;
}

/*
 * Hand @p rel to a release thread; done here if there can be none. Only PCI
 * devices go there: theirs are the drivers that wait on hardware, and a PCI
 * address cannot be probed again while its old device is on the bus. A vdev
 * of the same name can be created again (by the application, at once) and
 * is released here, where the previous releases were tested.
 */
static void
fo_release_async(struct fo_priv *priv, const struct fo_release *rel)
{
	struct fo_release_job *job;
	pthread_t tid;

	if (!rel->remove)
		return;
	if (strcmp(rel->bus, "pci") != 0) {
		fo_sub_release_finish(priv, rel);
		return;
	}
	job = malloc(sizeof(*job));
	if (job != NULL) {
		job->priv = priv;
		job->rel = *rel;
		pthread_mutex_lock(&priv->lock);
		priv->releasing++;
		pthread_mutex_unlock(&priv->lock);
		if (rte_ctrl_thread_create(&tid, "fo-release", NULL,
				fo_release_thread, job) == 0) {
			pthread_detach(tid);
			return;
		}
		pthread_mutex_lock(&priv->lock);
		priv->releasing--;
		pthread_mutex_unlock(&priv->lock);
		free(job);
	}
	FO_EV_LOG(WARNING, priv, "no release thread: releasing %s here",
		rel->name);
	fo_sub_release_finish(priv, rel);
}

/*
 * Deferred work, in the interrupt thread: release sub-devices that left the
 * datapath after a removal, adopt and bring up the ones that joined,
 * republish. With hotplug_poll, it also probes an absent primary.
 */
static void
fo_service(void *arg)
{
	struct fo_priv *priv = arg;
	struct fo_release rel[FO_NB_ROLES];
	char probe[FO_DEV_ARGS_LEN] = "";
	char once[RTE_DEV_NAME_MAX_LEN] = "";
	bool changed;
	enum fo_role r;
	int ret;

	/*
	 * Probes and removals are made without the lock: they take the bus's
	 * device-list lock, which an application's detach holds while our
	 * detach hook takes ours (failover_sub.c, fo_sub_release_begin_locked).
	 */
	pthread_mutex_lock(&priv->lock);
	priv->service_armed = false;
	FO_FOREACH_ROLE(r) {
		rel[r].remove = false;
		if (priv->sub[r].state == FO_SUB_REMOVING)
			fo_sub_release_begin_locked(priv,
				&priv->sub[r], &rel[r]);
	}
	if (priv->probe_pending) {
		priv->probe_pending = false;
		fo_reprobe_what_locked(priv, probe, sizeof(probe));
	}
	if (probe[0] != '\0' && priv->bind_wait_end != 0) {
		if (priv->sub[FO_PRIMARY].state != FO_SUB_ABSENT ||
				(priv->releasing == 0 &&
				 rte_get_timer_cycles() > priv->bind_wait_end)) {
			priv->bind_wait_end = 0;
		} else if (priv->releasing != 0) {
			/* Its old self is still on the bus: after that. */
			probe[0] = '\0';
		} else if (!fo_pci_bound(probe)) {
			probe[0] = '\0';
			fo_service_schedule_at_locked(priv,
				rte_get_timer_cycles() + FO_BIND_POLL_MS *
				rte_get_timer_hz() / 1000);
			priv->probe_pending = true;
		}
	}
	if (priv->probe_once[0] != '\0') {
		rte_strscpy(once, priv->probe_once, sizeof(once));
		priv->probe_once[0] = '\0';
	}
	pthread_mutex_unlock(&priv->lock);

	FO_FOREACH_ROLE(r)
		fo_release_async(priv, &rel[r]);
	if (probe[0] != '\0')
		fo_reprobe(priv, probe);
	if (once[0] != '\0') {
		ret = rte_dev_probe(once);
		if (ret != 0 && ret != -EEXIST)
			FO_EV_LOG(INFO, priv, "probe of %s: %s", once,
				rte_strerror(-ret));
	}

	pthread_mutex_lock(&priv->lock);
	fo_sub_adopt_claimed_locked(priv);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state >= FO_SUB_OWNED)
			fo_sub_bring_up_locked(priv,
				&priv->sub[r]);
	}
	changed = fo_datapath_publish_locked(priv);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
}

/* The hotplug_poll tick: probe an absent primary, then the service. */
static void
fo_poll(void *arg)
{
	struct fo_priv *priv = arg;

	pthread_mutex_lock(&priv->lock);
	priv->probe_pending = true;
	pthread_mutex_unlock(&priv->lock);
	fo_service(priv);
	rte_eal_alarm_set(priv->args.hotplug_poll_ms * 1000ULL, fo_poll, priv);
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
	if (ev != FO_EV_LINK)
		fo_history_add_locked(priv, "%s %s: %s", fo_role_name(role),
			sub->dev_name, fo_event_name(ev));
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
		fo_shadow_uninstall(sub);
		sub->probed_here = false;
		break;
	case FO_ACT_NONE:
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
				priv->probe_pending = true;
			if (fo_is_pci(device_name))
				priv->bind_wait_end = rte_get_timer_cycles() +
					FO_BIND_WAIT_MS * rte_get_timer_hz() /
					1000;
			fo_service_schedule_locked(priv);
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
 * The bus is about to remove a sub-device's device (failover_shadow.c):
 * out of the datapath and past the grace period before its driver frees
 * anything, as for RTE_ETH_EVENT_DESTROY but in time for every driver.
 */
void
fo_sub_detaching(struct fo_priv *priv, enum fo_role role,
		const struct rte_device *rdev)
{
	struct fo_sub *sub = &priv->sub[role];
	bool changed = false;
	uint16_t port;

	pthread_mutex_lock(&priv->lock);
	port = sub->port_id;
	fo_shadow_uninstall(sub);
	if (port != FO_PORT_NONE && rte_eth_devices[port].device == rdev) {
		changed = fo_event_locked(priv, role, FO_EV_DESTROY);
		/*
		 * Out of the datapath: stop it as a careful application would
		 * before a detach. Some drivers' remove skips what their stop
		 * undoes (net_tap leaves its LSC interrupt registered on freed
		 * memory) or refuses a started port (virtio-user).
		 */
		if (rte_eth_devices[port].data->dev_started)
			rte_eth_dev_stop(port);
	}
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
}

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
};

static struct fo_handle fo_handles[RTE_MAX_ETHPORTS] = {
	[0 ... RTE_MAX_ETHPORTS - 1] = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0,
	},
};

static struct fo_priv *
fo_handle_ref(struct fo_handle *h)
{
	struct fo_priv *priv;

	pthread_mutex_lock(&h->lock);
	priv = h->priv;
	if (priv != NULL)
		h->users++;
	pthread_mutex_unlock(&h->lock);
	return priv;
}

static void
fo_handle_unref(struct fo_handle *h)
{
	pthread_mutex_lock(&h->lock);
	if (--h->users == 0)
		pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->lock);
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
	for (i = 0; i < RTE_DIM(fo_eth_events); i++) {
		ret = rte_eth_dev_callback_register(RTE_ETH_ALL,
				fo_eth_events[i], fo_eth_event, h);
		if (ret != 0)
			goto fail;
	}
	ret = rte_dev_event_callback_register(NULL, fo_dev_event, h);
	if (ret != 0)
		goto fail;
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
		/*
		 * A device bound to uio vanishes before anyone is told: EAL's
		 * handler turns the lcores' faults on its BARs into reads of
		 * dummy memory until the removal event has taken it out.
		 */
		if (priv->monitor_started &&
				fo_hotplug_handle_users++ == 0 &&
				rte_dev_hotplug_handle_enable() != 0)
			FO_LOG(WARNING, priv, "no hotplug handler: a "
				"surprise removal of a uio device may fault");
		priv->hotplug_handled = priv->monitor_started;
	}
	if (priv->args.hotplug_poll_ms > 0)
		rte_eal_alarm_set(priv->args.hotplug_poll_ms * 1000ULL,
			fo_poll, priv);
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

	pthread_mutex_lock(&priv->lock);
	priv->closing = true;
	pthread_mutex_unlock(&priv->lock);
	/*
	 * Later callbacks find no priv; wait for those in progress (the
	 * caller does not hold priv->lock, which they may be waiting for).
	 */
	pthread_mutex_lock(&h->lock);
	h->priv = NULL;
	while (h->users != 0)
		pthread_cond_wait(&h->idle, &h->lock);
	pthread_mutex_unlock(&h->lock);
	/* Best effort: what is running now stays, harmlessly. */
	for (i = 0; i < RTE_DIM(fo_eth_events); i++)
		rte_eth_dev_callback_unregister(RTE_ETH_ALL, fo_eth_events[i],
			fo_eth_event, h);
	rte_dev_event_callback_unregister(NULL, fo_dev_event, h);
	/* Cancelling waits for a running alarm to finish. */
	rte_eal_alarm_cancel(fo_poll, priv);
	rte_eal_alarm_cancel(fo_service, priv);
	priv->service_armed = false;
	/* The release threads use priv to their end. */
	pthread_mutex_lock(&priv->lock);
	while (priv->releasing != 0)
		pthread_cond_wait(&priv->release_done, &priv->lock);
	pthread_mutex_unlock(&priv->lock);
	if (priv->hotplug_handled) {
		if (--fo_hotplug_handle_users == 0)
			rte_dev_hotplug_handle_disable();
		priv->hotplug_handled = false;
	}
	if (priv->monitor_started) {
		rte_dev_event_monitor_stop();
		priv->monitor_started = false;
	}
}
