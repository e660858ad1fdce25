/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <stdint.h>

#include "fo_policy.h"

/* lib/failover builds without EAL: no RTE_DIM(). */
#define FO_DIM(a) (sizeof(a) / sizeof((a)[0]))

struct fo_transition {
	/* Zero-initialized entries are the invalid ones. */
	bool valid;
	enum fo_sub_state next;
	enum fo_action action;
};

#define T(n, a) { .valid = true, .next = FO_SUB_ ## n, .action = FO_ACT_ ## a }
#define ANY_OWNED(ev, n, a) \
	[FO_SUB_OWNED][ev] = T(n, a), \
	[FO_SUB_CONFIGURED][ev] = T(n, a), \
	[FO_SUB_STARTED][ev] = T(n, a)

/*
 * Every transition of a sub-device. A removal takes it out of the
 * datapaths at once and leaves the rest to the deferred release; a
 * repeated one (a vfio request comes again) changes nothing. A port
 * destroyed by someone else is forgotten at once, even while its release
 * is pending: the release would use a port id that may name another
 * device by then. Its own steps the failover port records only once they
 * have succeeded; it takes part in RX and TX only when started.
 */
static const struct fo_transition fo_sub_table[][FO_NB_EVENTS] = {
	[FO_SUB_ABSENT] = {
		[FO_EV_INTR_RMV] = T(ABSENT, NONE),
		[FO_EV_DEV_REMOVE] = T(ABSENT, NONE),
		[FO_EV_DESTROY] = T(ABSENT, NONE),
		[FO_EV_LINK] = T(ABSENT, NONE),
		[FO_EV_ADOPTED] = T(OWNED, NONE),
		[FO_EV_RELEASED] = T(ABSENT, NONE),
	},
	[FO_SUB_REMOVING] = {
		[FO_EV_INTR_RMV] = T(REMOVING, NONE),
		[FO_EV_DEV_REMOVE] = T(REMOVING, NONE),
		[FO_EV_DESTROY] = T(ABSENT, FORGET_NOW),
		[FO_EV_LINK] = T(REMOVING, NONE),
		[FO_EV_RELEASED] = T(ABSENT, NONE),
	},
	ANY_OWNED(FO_EV_INTR_RMV, REMOVING, RELEASE_DEFERRED),
	ANY_OWNED(FO_EV_DEV_REMOVE, REMOVING, RELEASE_DEFERRED),
	ANY_OWNED(FO_EV_DESTROY, ABSENT, FORGET_NOW),
	ANY_OWNED(FO_EV_UNCONFIGURED, OWNED, NONE),
	ANY_OWNED(FO_EV_RELEASED, ABSENT, NONE),
	ANY_OWNED(FO_EV_DISOWNED, ABSENT, NONE),
	[FO_SUB_OWNED][FO_EV_LINK] = T(OWNED, NONE),
	[FO_SUB_OWNED][FO_EV_CONFIGURED] = T(CONFIGURED, NONE),
	[FO_SUB_CONFIGURED][FO_EV_LINK] = T(CONFIGURED, NONE),
	[FO_SUB_CONFIGURED][FO_EV_CONFIGURED] = T(CONFIGURED, NONE),
	[FO_SUB_CONFIGURED][FO_EV_STARTED] = T(STARTED, NONE),
	[FO_SUB_STARTED][FO_EV_LINK] = T(STARTED, REPATH),
	[FO_SUB_STARTED][FO_EV_STOPPED] = T(CONFIGURED, NONE),
};

#undef ANY_OWNED
#undef T

enum fo_action
fo_sub_transition(enum fo_sub_state *state, enum fo_event ev)
{
	const struct fo_transition *t;

	if ((unsigned int)*state >= FO_DIM(fo_sub_table) ||
			(unsigned int)ev >= FO_NB_EVENTS)
		return FO_ACT_INVALID;
	t = &fo_sub_table[*state][ev];
	if (!t->valid)
		return FO_ACT_INVALID;
	*state = t->next;
	return t->action;
}

struct fo_wait_transition {
	bool valid;
	enum fo_wait_state next;
	enum fo_wait_action action;
};

#define W(n, a) { .valid = true, .next = FO_WAIT_ ## n, .action = FO_WACT_ ## a }

/*
 * When the absent primary is probed. Never in a run that removes its old
 * self: a PCI device stays on the bus until the removal ends (seconds for
 * a vanished one), and a probe beside it would meet it in EAL's lists;
 * the probe follows in a run 10 ms after the removing one began (after
 * it, then: one thread runs both). A PCI device that EAL reported added
 * is probed once a kernel driver holds it (probing before would fail,
 * loudly, every time), or once the wait is over. A primary that is back
 * already (its NEW event was enough) ends any wait.
 */
static const struct fo_wait_transition
fo_wait_table[][FO_NB_WAIT_EVENTS] = {
	[FO_WAIT_NONE] = {
		[FO_WEV_ASKED] = W(PROBE, NONE),
		[FO_WEV_ADDED_PCI] = W(BIND, ARM),
		[FO_WEV_RUN_REMOVING] = W(NONE, NONE),
		[FO_WEV_RUN_PRESENT] = W(NONE, NONE),
		[FO_WEV_RUN_UNBOUND] = W(NONE, NONE),
		[FO_WEV_RUN_READY] = W(NONE, NONE),
	},
	[FO_WAIT_PROBE] = {
		[FO_WEV_ASKED] = W(PROBE, NONE),
		[FO_WEV_ADDED_PCI] = W(BIND, ARM),
		[FO_WEV_RUN_REMOVING] = W(PROBE, LATER),
		[FO_WEV_RUN_PRESENT] = W(NONE, NONE),
		/* Not waiting for a bind: a poll probes whatever is there. */
		[FO_WEV_RUN_UNBOUND] = W(NONE, PROBE),
		[FO_WEV_RUN_READY] = W(NONE, PROBE),
	},
	[FO_WAIT_BIND] = {
		[FO_WEV_ASKED] = W(BIND, NONE),
		[FO_WEV_ADDED_PCI] = W(BIND, ARM),
		[FO_WEV_RUN_REMOVING] = W(BIND, LATER),
		[FO_WEV_RUN_PRESENT] = W(NONE, NONE),
		[FO_WEV_RUN_UNBOUND] = W(BIND, LATER),
		[FO_WEV_RUN_READY] = W(NONE, PROBE),
	},
};

#undef W

enum fo_wait_event
fo_wait_run_event(bool removing, bool present, bool bound, bool expired)
{
	if (removing)
		return FO_WEV_RUN_REMOVING;
	if (present)
		return FO_WEV_RUN_PRESENT;
	if (!bound && !expired)
		return FO_WEV_RUN_UNBOUND;
	return FO_WEV_RUN_READY;
}

enum fo_wait_action
fo_wait_transition(enum fo_wait_state *state, enum fo_wait_event ev)
{
	const struct fo_wait_transition *t;

	if ((unsigned int)*state >= FO_DIM(fo_wait_table) ||
			(unsigned int)ev >= FO_NB_WAIT_EVENTS)
		return FO_WACT_NONE;
	t = &fo_wait_table[*state][ev];
	if (!t->valid)
		return FO_WACT_NONE;
	*state = t->next;
	return t->action;
}

static bool
fo_tx_ready(const struct fo_sub_view *v)
{
	return v->state == FO_SUB_STARTED && v->link_up;
}

enum fo_role
fo_tx_role(const struct fo_sub_view view[FO_NB_ROLES])
{
	if (fo_tx_ready(&view[FO_PRIMARY]))
		return FO_PRIMARY;
	if (fo_tx_ready(&view[FO_STANDBY]))
		return FO_STANDBY;
	return FO_ROLE_NONE;
}

bool
fo_rx_polled(const struct fo_sub_view *view)
{
	return view->state == FO_SUB_STARTED;
}

static uint32_t
fo_gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int
fo_desc_lim_intersect(struct fo_desc_lim *acc, const struct fo_desc_lim *b)
{
	uint32_t a1 = acc->nb_align ? acc->nb_align : 1;
	uint32_t a2 = b->nb_align ? b->nb_align : 1;
	uint32_t align, min, max;

	if (b->nb_min == 0 && b->nb_max == 0 && b->nb_align == 0)
		return 0;
	align = a1 / fo_gcd(a1, a2) * a2;
	min = acc->nb_min > b->nb_min ? acc->nb_min : b->nb_min;
	max = acc->nb_max < b->nb_max ? acc->nb_max : b->nb_max;
	if (align > UINT16_MAX)
		return -ERANGE;
	min = (min + align - 1) / align * align;
	max = max / align * align;
	if (min > max || max == 0)
		return -ERANGE;
	acc->nb_min = (uint16_t)min;
	acc->nb_max = (uint16_t)max;
	acc->nb_align = (uint16_t)align;
	return 0;
}

const char *
fo_role_name(enum fo_role role)
{
	switch (role) {
	case FO_PRIMARY:
		return "primary";
	case FO_STANDBY:
		return "standby";
	default:
		return "none";
	}
}

const char *
fo_event_name(enum fo_event ev)
{
	static const char * const names[] = {
		[FO_EV_INTR_RMV] = "ethdev RMV",
		[FO_EV_DEV_REMOVE] = "device removal",
		[FO_EV_DESTROY] = "port destroy",
		[FO_EV_LINK] = "link change",
		[FO_EV_ADOPTED] = "adopted",
		[FO_EV_DISOWNED] = "disowned",
		[FO_EV_CONFIGURED] = "configured",
		[FO_EV_STARTED] = "started",
		[FO_EV_STOPPED] = "stopped",
		[FO_EV_UNCONFIGURED] = "unconfigured",
		[FO_EV_RELEASED] = "released",
	};

	if ((unsigned int)ev >= FO_DIM(names))
		return "unknown";
	return names[ev];
}

const char *
fo_state_name(enum fo_sub_state state)
{
	static const char * const names[] = {
		[FO_SUB_ABSENT] = "absent",
		[FO_SUB_REMOVING] = "removing",
		[FO_SUB_OWNED] = "owned",
		[FO_SUB_CONFIGURED] = "configured",
		[FO_SUB_STARTED] = "started",
	};

	if ((unsigned int)state >= FO_DIM(names))
		return "unknown";
	return names[state];
}

const char *
fo_wait_name(enum fo_wait_state state)
{
	static const char * const names[] = {
		[FO_WAIT_NONE] = "none",
		[FO_WAIT_PROBE] = "probe",
		[FO_WAIT_BIND] = "bind",
	};

	if ((unsigned int)state >= FO_DIM(names))
		return "unknown";
	return names[state];
}
