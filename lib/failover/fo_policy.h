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

/*
 * What happens to a sub-device: first what ethdev and EAL raise, then the
 * failover port's own steps, each recorded when it has succeeded.
 */
enum fo_event {
	/* ethdev RTE_ETH_EVENT_INTR_RMV. */
	FO_EV_INTR_RMV,
	/* EAL RTE_DEV_EVENT_REMOVE (vfio release request, uevent). */
	FO_EV_DEV_REMOVE,
	/* ethdev RTE_ETH_EVENT_DESTROY: the port is being released now. */
	FO_EV_DESTROY,
	/* Link status change. */
	FO_EV_LINK,
	/* Taken into the failover port (owned, MAC checked). */
	FO_EV_ADOPTED,
	/*
	 * Given back to the application, stopped: its MAC was refused, or
	 * the failover port closed (the application probed it).
	 */
	FO_EV_DISOWNED,
	/* Configured with the failover port's queues and settings. */
	FO_EV_CONFIGURED,
	FO_EV_STARTED,
	FO_EV_STOPPED,
	/* Reset, or a bring-up that failed: configured from scratch next. */
	FO_EV_UNCONFIGURED,
	/* Stopped, closed or removed by the failover port: no port now. */
	FO_EV_RELEASED,
	FO_NB_EVENTS,
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
	/* The event cannot happen in that state: a bug of the caller. */
	FO_ACT_INVALID,
};

/**
 * The sub-device's state machine, one table (fo_policy.c): what @p ev does
 * to a sub-device in state @p *state. @p *state becomes the next state,
 * except for FO_ACT_INVALID, which leaves it unchanged.
 */
enum fo_action fo_sub_transition(enum fo_sub_state *state, enum fo_event ev);

/*
 * How a failover port waits for its absent primary to come back: the part
 * of the deferred work that decides when to probe it. Driven by what asks
 * for a probe and by each run of the deferred work, which first says what
 * it finds (fo_wait_run_event()).
 */
enum fo_wait_state {
	/* Nothing asked for a probe. */
	FO_WAIT_NONE,
	/* Probe at the next run that removes nothing. */
	FO_WAIT_PROBE,
	/*
	 * EAL reported the PCI device added, before any kernel driver holds
	 * it: probe once one does, or once the deadline has passed.
	 */
	FO_WAIT_BIND,
};

enum fo_wait_event {
	/* A hotplug_poll tick, or a device event that names the primary. */
	FO_WEV_ASKED,
	/* EAL's RTE_DEV_EVENT_ADD of a PCI primary. */
	FO_WEV_ADDED_PCI,
	/* A run that removes the primary's old self (it is on the bus). */
	FO_WEV_RUN_REMOVING,
	/* A run that finds a primary adopted already. */
	FO_WEV_RUN_PRESENT,
	/* A run, bind wait on: no driver holds the device yet. */
	FO_WEV_RUN_UNBOUND,
	/* Any other run. */
	FO_WEV_RUN_READY,
	FO_NB_WAIT_EVENTS,
};

enum fo_wait_action {
	FO_WACT_NONE,
	/* Start the bind deadline (again). */
	FO_WACT_ARM,
	/* Probe the primary in this run. */
	FO_WACT_PROBE,
	/* Run again shortly, to look for the bind or the removal's end. */
	FO_WACT_LATER,
};

/** What a run of the deferred work finds, as an event of the wait. */
enum fo_wait_event fo_wait_run_event(bool removing, bool present,
		bool bound, bool expired);

/** The wait's state machine, one table: like fo_sub_transition(). */
enum fo_wait_action fo_wait_transition(enum fo_wait_state *state,
		enum fo_wait_event ev);

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
const char *fo_wait_name(enum fo_wait_state state);

#endif /* FO_POLICY_H */
