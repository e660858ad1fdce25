/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * The hotplug owner: one control thread per process, "fo-hotplug", does
 * the deferred work of every failover port (release what left the
 * datapath, probe an absent primary, adopt and bring up what joined,
 * republish) and makes every EAL hotplug call of that work.
 *
 * Why one thread: EAL's devargs and PCI device lists have no lock of
 * their own (22.11), so two hotplug calls must never overlap, and a probe
 * must not meet the removal of the same device's old self (a vanished
 * PCI device takes seconds to remove). Here the work of all ports is one
 * sequence, and a removal is over before any probe starts.
 *
 * Why not EAL alarms: an alarm cannot be moved earlier without
 * rte_eal_alarm_cancel(), which spins while the alarm runs and so cannot
 * be called with a lock the alarm takes, nor from inside the bus's removal
 * of the failover device when the alarm waits for that bus's lock. Here
 * each port has one deadline (the earliest asked for) and one hotplug_poll
 * tick, and asking is a store under a lock that is never held across a
 * call.
 *
 * What the owner does not hold across an EAL call: the port. A call may
 * wait on a bus lock that an application's rte_dev_remove() of the
 * failover device holds while closing it, and that close waits for the
 * port's users. The work takes its port before and after the calls, and
 * a port closed meanwhile (or replaced: the generation tells) is not
 * touched again; what was probed for it is removed again.
 *
 * Calls made elsewhere: the sub-devices a failover port probes at its
 * creation, and removes at its close, are probed and removed by the
 * application's own call (rte_dev_probe() or rte_dev_remove() of the
 * failover device, under its bus's lock); the owner does no work for a
 * port before it is registered or after it is unregistered.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <bus_driver.h>
#include <rte_lcore.h>
#include <rte_pci.h>
#include <bus_pci_driver.h>
#include <rte_string_fns.h>

#include "failover_private.h"

/*
 * EAL reports a PCI device added before any driver is bound to it, and
 * says nothing when one is: look again this often, for this long.
 */
#define FO_BIND_POLL_MS 10

/* What the owner keeps per failover port, by port id. */
struct fo_owner_slot {
	/* The port's generation: 0 while no port is attached here. */
	uint32_t gen;
	/* TSC of the next run of the deferred work; 0 when none is due. */
	uint64_t due;
	/* TSC of the next hotplug_poll tick, and the period; 0: no poll. */
	uint64_t poll_at;
	uint64_t poll_cycles;
};

static struct {
	/* Never held across a call: asking for work may come from anywhere. */
	pthread_mutex_t lock;
	/* Signalled when work is asked for earlier than the thread sleeps. */
	pthread_cond_t wake;
	/* Signalled when the thread ends a run, or ends. */
	pthread_cond_t ended;
	fo_thread_t tid;
	bool inited;
	bool running;
	/*
	 * Not detached yet, so that the last port's close can join it: a
	 * thread still exiting when the process does upsets sanitizers.
	 */
	bool joinable;
	/* A close is joining it: a new port waits for a new thread. */
	bool joining;
	bool stop;
	/* In an EAL call: then the thread is not waited for (see above). */
	bool in_call;
	/* Ports attached, and the last generation given out. */
	unsigned int users;
	uint32_t last_gen;
	/* The generation of the port being served now, 0 when none. */
	uint32_t serving;
	/* Where the next search for due work starts: no port starves. */
	unsigned int next_slot;
	/* Ports that want EAL's hotplug handler; whether it is enabled. */
	unsigned int handler_users;
	bool handler_on;
	struct fo_owner_slot slot[RTE_MAX_ETHPORTS];
} fo_owner = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static void
fo_owner_wake_locked(void)
{
	pthread_cond_signal(&fo_owner.wake);
}

/* Ask for the deferred work of @p priv's port to run at @p tsc or before. */
void
fo_service_schedule_at(struct fo_priv *priv, uint64_t tsc)
{
	struct fo_owner_slot *s = &fo_owner.slot[priv->dev->data->port_id];

	if (tsc == 0)
		tsc = 1;
	pthread_mutex_lock(&fo_owner.lock);
	if (s->gen == priv->owner_gen && s->gen != 0 &&
			(s->due == 0 || tsc < s->due)) {
		s->due = tsc;
		fo_owner_wake_locked();
	}
	pthread_mutex_unlock(&fo_owner.lock);
}

void
fo_service_schedule(struct fo_priv *priv)
{
	fo_service_schedule_at(priv, rte_get_timer_cycles());
}

bool
fo_is_pci(const char *name)
{
	struct rte_pci_addr addr;

	return name[0] != '\0' && rte_pci_addr_parse(name, &addr) == 0;
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

/* The device @p what (a devargs string) names, if its bus has it. */
static struct rte_device *
fo_dev_find(const char *what)
{
	struct rte_device *dev = NULL;
	struct rte_devargs da;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, what) != 0)
		return NULL;
	if (da.bus != NULL && da.bus->find_device != NULL)
		dev = da.bus->find_device(NULL, fo_dev_name_cmp, da.name);
	rte_devargs_reset(&da);
	return dev;
}

/*
 * Whether the device @p what names is on its bus and probed, asked of the
 * bus itself. An application's detach of the primary is over once the
 * answer is no: the vdev bus answers under the lock it holds for the whole
 * of a removal, devargs included, so a probe made after it cannot meet
 * that removal in EAL's devargs list, which has no lock of its own. The
 * PCI bus has no such lock: there the race remains (see the guide).
 */
static bool
fo_dev_on_bus(const char *what)
{
	struct rte_device *dev = fo_dev_find(what);

	/* A PCI device scanned but not bound yet is one to probe. */
	return dev != NULL && rte_dev_is_probed(dev);
}

/* The port @p port_id of generation @p gen, referenced; NULL if gone. */
static struct fo_priv *
fo_owner_get(uint16_t port_id, uint32_t gen)
{
	struct fo_priv *priv = fo_handle_get(port_id);

	if (priv != NULL && priv->owner_gen != gen) {
		fo_handle_put(port_id);
		priv = NULL;
	}
	return priv;
}

/* The EAL calls of one run, decided under the port's lock. */
struct fo_owner_job {
	struct fo_release rel[FO_NB_ROLES];
	/* The primary to probe again, and a device to probe once. */
	char probe[FO_DEV_ARGS_LEN];
	char once[RTE_DEV_NAME_MAX_LEN];
	/* Our probe made the device: remove it if the port is gone after. */
	bool probed;
	/* The failover port's name, for the logs. */
	char name[RTE_DEV_NAME_MAX_LEN];
};

/* Look again shortly whether the PCI primary EAL reported is bound. */
static void
fo_bind_poll_later(struct fo_priv *priv)
{
	fo_service_schedule_at(priv, rte_get_timer_cycles() +
		FO_BIND_POLL_MS * rte_get_timer_hz() / 1000);
}

/*
 * Feed @p ev to the port's wait for its absent primary (lib/failover's
 * table) and carry out what it asks, but the probe itself: true when the
 * caller, a run of the deferred work, is to make it.
 */
bool
fo_wait_step_locked(struct fo_priv *priv, enum fo_wait_event ev)
{
	switch (fo_wait_transition(&priv->wait, ev)) {
	case FO_WACT_ARM:
		priv->wait_end = rte_get_timer_cycles() +
			FO_BIND_WAIT_MS * rte_get_timer_hz() / 1000;
		break;
	case FO_WACT_LATER:
		fo_bind_poll_later(priv);
		break;
	case FO_WACT_PROBE:
		return true;
	case FO_WACT_NONE:
		break;
	}
	return false;
}

static void
fo_owner_plan_locked(struct fo_priv *priv, struct fo_owner_job *job,
		bool poll)
{
	struct fo_sub *primary = &priv->sub[FO_PRIMARY];
	enum fo_wait_event ev;
	char what[FO_DEV_ARGS_LEN];
	bool bound = true;
	enum fo_role r;

	FO_FOREACH_ROLE(r) {
		job->rel[r].remove = false;
		if (priv->sub[r].state == FO_SUB_REMOVING)
			fo_sub_release_begin_locked(priv, &priv->sub[r],
				&job->rel[r]);
	}
	if (poll)
		fo_wait_step_locked(priv, FO_WEV_ASKED);
	what[0] = '\0';
	fo_reprobe_what_locked(priv, what, sizeof(what));
	/* Only a bind wait asks the kernel. */
	if (priv->wait == FO_WAIT_BIND && what[0] != '\0')
		bound = fo_pci_bound(what);
	ev = fo_wait_run_event(job->rel[FO_PRIMARY].remove,
		primary->state != FO_SUB_ABSENT, bound,
		rte_get_timer_cycles() > priv->wait_end);
	if (fo_wait_step_locked(priv, ev))
		rte_strscpy(job->probe, what, sizeof(job->probe));
	if (priv->probe_once[0] != '\0') {
		rte_strscpy(job->once, priv->probe_once, sizeof(job->once));
		priv->probe_once[0] = '\0';
	}
}

/* The EAL calls, without the port: it may be closed meanwhile. */
static void
fo_owner_calls(struct fo_owner_job *job)
{
	enum fo_role r;
	int ret;

	FO_FOREACH_ROLE(r)
		fo_sub_release_finish(job->name, &job->rel[r]);
	/* Still there: nothing to probe, or its removal is in progress. */
	if (job->probe[0] != '\0' && !fo_dev_on_bus(job->probe)) {
		ret = rte_dev_probe(job->probe);
		if (ret == 0) {
			rte_log(RTE_LOG_INFO, failover_event_logtype,
				"%s: primary %s probed again\n", job->name,
				job->probe);
			job->probed = true;
		} else if (ret != -EEXIST) {
			/* Not there yet is the common case of a poll. */
			rte_log(RTE_LOG_DEBUG, failover_event_logtype,
				"%s: probe of %s: %s\n", job->name,
				job->probe, rte_strerror(-ret));
		}
	}
	if (job->once[0] != '\0') {
		ret = rte_dev_probe(job->once);
		if (ret != 0 && ret != -EEXIST)
			rte_log(RTE_LOG_INFO, failover_event_logtype,
				"%s: probe of %s: %s\n", job->name, job->once,
				rte_strerror(-ret));
	}
}

/* The port went while we probed for it: nobody would remove the device. */
static void
fo_owner_undo_probe(const struct fo_owner_job *job)
{
	struct rte_device *dev;

	if (!job->probed)
		return;
	dev = fo_dev_find(job->probe);
	if (dev != NULL)
		rte_dev_remove(dev);
}

static void
fo_owner_in_call(bool in)
{
	pthread_mutex_lock(&fo_owner.lock);
	fo_owner.in_call = in;
	pthread_mutex_unlock(&fo_owner.lock);
}

/* One run of the deferred work of port @p port_id. */
static void
fo_service(uint16_t port_id, uint32_t gen, bool poll)
{
	struct fo_owner_job job;
	struct fo_priv *priv;
	bool changed;
	enum fo_role r;

	priv = fo_owner_get(port_id, gen);
	if (priv == NULL)
		return;
	memset(&job, 0, sizeof(job));
	rte_strscpy(job.name, priv->name, sizeof(job.name));
	pthread_mutex_lock(&priv->lock);
	fo_owner_plan_locked(priv, &job, poll);
	pthread_mutex_unlock(&priv->lock);
	fo_handle_put(port_id);

	fo_owner_in_call(true);
	fo_owner_calls(&job);
	fo_owner_in_call(false);

	priv = fo_owner_get(port_id, gen);
	if (priv == NULL) {
		fo_owner_in_call(true);
		fo_owner_undo_probe(&job);
		fo_owner_in_call(false);
		return;
	}
	pthread_mutex_lock(&priv->lock);
	/*
	 * Ours to remove at close, as at creation, if it was given in
	 * parentheses; a device the application declared, created again from
	 * its own arguments, stays the application's.
	 */
	if (job.probed && priv->args.primary.probe[0] != '\0')
		priv->sub[FO_PRIMARY].probed_here = true;
	fo_sub_adopt_claimed_locked(priv);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state >= FO_SUB_OWNED)
			fo_sub_bring_up_locked(priv, &priv->sub[r]);
	}
	changed = fo_datapath_publish_locked(priv);
	pthread_mutex_unlock(&priv->lock);
	fo_link_notify(priv, changed);
	fo_handle_put(port_id);
}

/* EAL's hotplug handler as the ports want it; see fo_owner_attach(). */
static void
fo_owner_handler_sync_locked(void)
{
	bool want = fo_owner.handler_users > 0;

	if (!want || fo_owner.handler_on)
		return;
	fo_owner.in_call = true;
	pthread_mutex_unlock(&fo_owner.lock);
	if (rte_dev_hotplug_handle_enable() != 0)
		rte_log(RTE_LOG_WARNING, failover_logtype, "no hotplug "
			"handler: a surprise removal of a uio device may "
			"fault\n");
	pthread_mutex_lock(&fo_owner.lock);
	fo_owner.in_call = false;
	fo_owner.handler_on = true;
}

static uint64_t
fo_slot_next(const struct fo_owner_slot *s)
{
	if (s->gen == 0)
		return 0;
	if (s->due == 0)
		return s->poll_at;
	if (s->poll_at == 0)
		return s->due;
	return RTE_MIN(s->due, s->poll_at);
}

static void
fo_owner_sleep_locked(uint64_t next, uint64_t now)
{
	struct timespec ts;
	uint64_t ns;

	if (next == UINT64_MAX) {
		pthread_cond_wait(&fo_owner.wake, &fo_owner.lock);
		return;
	}
	/* Microseconds first: hotplug_poll may be hours of TSC cycles. */
	ns = (next - now) / RTE_MAX(rte_get_timer_hz() / US_PER_S,
		(uint64_t)1) * (NS_PER_S / US_PER_S);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns += ts.tv_nsec;
	ts.tv_sec += ns / NS_PER_S;
	ts.tv_nsec = ns % NS_PER_S;
	pthread_cond_timedwait(&fo_owner.wake, &fo_owner.lock, &ts);
}

static fo_thread_ret_t
fo_owner_main(void *arg)
{
	struct fo_owner_slot *s;
	unsigned int i, p;
	uint64_t now, next, t;
	uint32_t gen;
	bool poll;
	int pick;

	RTE_SET_USED(arg);
	pthread_mutex_lock(&fo_owner.lock);
	while (!fo_owner.stop) {
		fo_owner_handler_sync_locked();
		now = rte_get_timer_cycles();
		next = UINT64_MAX;
		pick = -1;
		for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
			p = (fo_owner.next_slot + i) % RTE_MAX_ETHPORTS;
			t = fo_slot_next(&fo_owner.slot[p]);
			if (t == 0)
				continue;
			if (t <= now) {
				pick = p;
				break;
			}
			next = RTE_MIN(next, t);
		}
		if (pick < 0) {
			fo_owner_sleep_locked(next, now);
			continue;
		}
		s = &fo_owner.slot[pick];
		poll = s->poll_at != 0 && s->poll_at <= now;
		if (poll)
			s->poll_at = now + s->poll_cycles;
		if (s->due != 0 && s->due <= now)
			s->due = 0;
		gen = s->gen;
		fo_owner.next_slot = pick + 1;
		fo_owner.serving = gen;
		pthread_mutex_unlock(&fo_owner.lock);
		fo_service(pick, gen, poll);
		pthread_mutex_lock(&fo_owner.lock);
		fo_owner.serving = 0;
		pthread_cond_broadcast(&fo_owner.ended);
	}
	fo_owner.running = false;
	pthread_cond_broadcast(&fo_owner.ended);
	pthread_mutex_unlock(&fo_owner.lock);
	return 0;
}

/*
 * Serve @p priv's port from now on, starting the thread for the first
 * port. @p hotplug_handler: the port wants EAL's hotplug handler, which
 * the thread enables, once, for the process. It is never disabled: the
 * handler is process-wide, the application may rely on it too, and EAL
 * says nobody whether it is enabled.
 */
int
fo_owner_attach(struct fo_priv *priv, bool hotplug_handler)
{
	struct fo_owner_slot *s = &fo_owner.slot[priv->dev->data->port_id];
	pthread_condattr_t attr;
	fo_thread_t tid;
	int ret = 0;

	pthread_mutex_lock(&fo_owner.lock);
	while (fo_owner.joining)
		pthread_cond_wait(&fo_owner.ended, &fo_owner.lock);
	if (!fo_owner.inited) {
		/* Deadlines are TSC: a clock that no one sets fits them. */
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&fo_owner.wake, &attr);
		pthread_condattr_destroy(&attr);
		pthread_cond_init(&fo_owner.ended, NULL);
		fo_owner.inited = true;
	}
	if (!fo_owner.running) {
		fo_owner.stop = false;
		ret = fo_thread_create(&tid, "fo-hotplug", fo_owner_main,
				NULL);
		if (ret != 0) {
			pthread_mutex_unlock(&fo_owner.lock);
			FO_LOG(ERR, priv, "cannot start the hotplug thread (%s)",
				rte_strerror(-ret));
			return ret;
		}
		fo_owner.tid = tid;
		fo_owner.running = true;
		fo_owner.joinable = true;
	}
	/* A last port's detach may have asked the thread to end: it stays. */
	fo_owner.stop = false;
	fo_owner.users++;
	priv->owner_gen = ++fo_owner.last_gen;
	if (priv->owner_gen == 0)
		priv->owner_gen = ++fo_owner.last_gen;
	s->gen = priv->owner_gen;
	s->due = 0;
	s->poll_cycles = priv->args.hotplug_poll_ms * rte_get_timer_hz() /
		1000;
	s->poll_at = priv->args.hotplug_poll_ms > 0 ?
		rte_get_timer_cycles() + s->poll_cycles : 0;
	priv->hotplug_handled = hotplug_handler;
	if (hotplug_handler)
		fo_owner.handler_users++;
	fo_owner_wake_locked();
	pthread_mutex_unlock(&fo_owner.lock);
	return 0;
}

/*
 * No more work for @p priv's port. A run in progress for it is waited for,
 * its EAL calls included, so that they cannot overlap the caller's own
 * removals of the port's sub-devices; but not when the caller is the
 * thread itself, nor inside the bus's removal of the failover device
 * (then the run's call may wait on the bus lock the caller holds; it
 * finds the port gone after it, and the caller removes nothing itself).
 * The last port ends the thread; its end is waited for on the same terms.
 */
void
fo_owner_detach(struct fo_priv *priv)
{
	struct fo_owner_slot *s = &fo_owner.slot[priv->dev->data->port_id];
	uint32_t gen = priv->owner_gen;
	bool may_wait;

	pthread_mutex_lock(&fo_owner.lock);
	if (s->gen != gen || gen == 0) {
		pthread_mutex_unlock(&fo_owner.lock);
		return;
	}
	memset(s, 0, sizeof(*s));
	if (priv->hotplug_handled)
		fo_owner.handler_users--;
	priv->hotplug_handled = false;
	may_wait = fo_owner.running && !priv->bus_removing &&
		!fo_thread_is_self(fo_owner.tid);
	while (may_wait && fo_owner.serving == gen)
		pthread_cond_wait(&fo_owner.ended, &fo_owner.lock);
	if (--fo_owner.users == 0 && fo_owner.running) {
		fo_owner.stop = true;
		fo_owner_wake_locked();
		if (may_wait && !fo_owner.in_call && fo_owner.joinable) {
			fo_owner.joining = true;
			fo_owner.joinable = false;
			pthread_mutex_unlock(&fo_owner.lock);
			fo_thread_join(fo_owner.tid);
			pthread_mutex_lock(&fo_owner.lock);
			fo_owner.joining = false;
			pthread_cond_broadcast(&fo_owner.ended);
		} else if (fo_owner.joinable) {
			/* It ends by itself, after the call it is in. */
			fo_thread_detach(fo_owner.tid);
			fo_owner.joinable = false;
		}
	}
	pthread_mutex_unlock(&fo_owner.lock);
}
