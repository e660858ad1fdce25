/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FO_POLICY_H
#define FO_POLICY_H

/**
 * @file
 * The failover decisions, apart from any device: what state a sub-device is
 * in, what each event does to it, and which sub-device carries traffic.
 * The driver feeds it facts read from ethdev and acts on the answers.
 */

#include <stdbool.h>

enum fo_role {
	FO_PRIMARY = 0,
	FO_STANDBY = 1,
	FO_NB_ROLES = 2,
	/* No sub-device can carry traffic. */
	FO_ROLE_NONE = -1,
};

/*
 * Life of one sub-device, seen from the failover port. The order matters:
 * a state implies every state before it down to FO_SUB_OWNED.
 */
enum fo_sub_state {
	/* No port: never seen, or released after a removal. */
	FO_SUB_ABSENT = 0,
	/*
	 * Removal seen: out of every datapath already; waiting for the deferred
	 * release (stop, close, remove) of the device.
	 */
	FO_SUB_REMOVING,
	/* Port exists and is owned by the failover port; not configured. */
	FO_SUB_OWNED,
	/* Configured with the failover port's queues. */
	FO_SUB_CONFIGURED,
	/* Started: may be in a datapath. */
	FO_SUB_STARTED,
};

enum fo_event {
	/* ethdev RTE_ETH_EVENT_INTR_RMV. */
	FO_EV_INTR_RMV,
	/* EAL RTE_DEV_EVENT_REMOVE (vfio release request, uevent). */
	FO_EV_DEV_REMOVE,
	/* ethdev RTE_ETH_EVENT_DESTROY: the port is being released now. */
	FO_EV_DESTROY,
	/* Link status change. */
	FO_EV_LINK,
};

enum fo_action {
	FO_ACT_NONE,
	/* Recompute the datapaths (link moved TX). */
	FO_ACT_REPATH,
	/*
	 * Leave the datapaths now; stop, close and remove the device later,
	 * after the grace period, outside the event callback.
	 */
	FO_ACT_RELEASE_DEFERRED,
	/*
	 * Leave the datapaths and wait out the grace period before returning:
	 * whoever raised the event frees the port when the callback returns.
	 * The device is not ours to close any more.
	 */
	FO_ACT_FORGET_NOW,
};

/** What @p ev does to a sub-device in state @p state. */
enum fo_action fo_event_action(enum fo_sub_state state, enum fo_event ev);

/** The state a sub-device is left in once @p act is carried out. */
enum fo_sub_state fo_action_state(enum fo_sub_state state, enum fo_action act);

/* What the driver knows of one sub-device when choosing paths. */
struct fo_sub_view {
	enum fo_sub_state state;
	bool link_up;
};

/**
 * The role that transmits: the primary while it is started and its link is
 * up, else the standby on the same terms, else none (the Linux net_failover
 * rule: a device without carrier is not a path).
 */
enum fo_role fo_tx_role(const struct fo_sub_view view[FO_NB_ROLES]);

/** Whether a sub-device is polled for RX: every started one. */
bool fo_rx_polled(const struct fo_sub_view *view);

/*
 * Descriptor limits of a queue: a ring of n descriptors is accepted when
 * nb_min <= n <= nb_max and n is a multiple of nb_align.
 */
struct fo_desc_lim {
	uint16_t nb_min;
	uint16_t nb_max;
	uint16_t nb_align;
};

/**
 * Narrow @p acc to the rings @p b accepts too: largest minimum, smallest
 * maximum, least common multiple of the alignments, the bounds rounded to
 * it. All zero in @p b (a driver that gives no limits) limits nothing.
 * -ERANGE, @p acc untouched, when no ring size suits both.
 */
int fo_desc_lim_intersect(struct fo_desc_lim *acc,
		const struct fo_desc_lim *b);

const char *fo_role_name(enum fo_role role);
const char *fo_event_name(enum fo_event ev);
const char *fo_state_name(enum fo_sub_state state);

#endif /* FO_POLICY_H */
