/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <stdint.h>

#include "fo_policy.h"

enum fo_action
fo_event_action(enum fo_sub_state state, enum fo_event ev)
{
	if (state == FO_SUB_ABSENT)
		return FO_ACT_NONE;
	/*
	 * Already leaving: a repeated vfio request is a no-op, but a port
	 * destroyed before the deferred release must be forgotten now, or the
	 * release would use a port id that may already name another device.
	 */
	if (state == FO_SUB_REMOVING)
		return ev == FO_EV_DESTROY ? FO_ACT_FORGET_NOW : FO_ACT_NONE;
	switch (ev) {
	case FO_EV_INTR_RMV:
	case FO_EV_DEV_REMOVE:
		return FO_ACT_RELEASE_DEFERRED;
	case FO_EV_DESTROY:
		return FO_ACT_FORGET_NOW;
	case FO_EV_LINK:
		return state == FO_SUB_STARTED ? FO_ACT_REPATH : FO_ACT_NONE;
	}
	return FO_ACT_NONE;
}

enum fo_sub_state
fo_action_state(enum fo_sub_state state, enum fo_action act)
{
	switch (act) {
	case FO_ACT_RELEASE_DEFERRED:
		return FO_SUB_REMOVING;
	case FO_ACT_FORGET_NOW:
		return FO_SUB_ABSENT;
	case FO_ACT_NONE:
	case FO_ACT_REPATH:
		break;
	}
	return state;
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
	};

	if ((unsigned int)ev >= sizeof(names) / sizeof(names[0]))
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

	if ((unsigned int)state >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[state];
}
