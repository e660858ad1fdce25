/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FO_STATS_H
#define FO_STATS_H

/**
 * @file
 * Folding of sub-device counters into failover counters that never go
 * backwards: a sub-device that disappears, or whose counters restart from
 * zero (a re-plugged VF, a reset), leaves what it had counted in a base.
 *
 * Counters are flat arrays of uint64_t, so that the driver can fold a whole
 * struct rte_eth_stats (which is nothing but uint64_t) without this code
 * knowing DPDK.
 */

#include <stddef.h>
#include <stdint.h>

#include "fo_policy.h"

/* Upper bound of counters folded; rte_eth_stats has 88. */
#define FO_STATS_MAX 96

struct fo_stats_fold {
	size_t n;
	/* What departed or restarted sub-devices had counted. */
	uint64_t base[FO_STATS_MAX];
	/* The last reading of each role's sub-device. */
	uint64_t last[FO_NB_ROLES][FO_STATS_MAX];
	/*
	 * What each role's sub-device had counted at the last reset when it
	 * did not reset itself (it cannot, or was leaving): not counted.
	 */
	uint64_t floor[FO_NB_ROLES][FO_STATS_MAX];
};

/** Start from zero, folding @p n counters (n <= FO_STATS_MAX). */
void fo_stats_init(struct fo_stats_fold *f, size_t n);

/**
 * Take a new reading of @p role's sub-device. A counter lower than the last
 * reading means the device restarted it: the last reading goes to the base.
 */
void fo_stats_update(struct fo_stats_fold *f, enum fo_role role,
		const uint64_t *now);

/** The sub-device of @p role is gone: keep what it counted. */
void fo_stats_retire(struct fo_stats_fold *f, enum fo_role role);

/** The folded totals: the base plus each role's last reading. */
void fo_stats_total(const struct fo_stats_fold *f, uint64_t *out);

/** The application reset the statistics: everything restarts at zero. */
void fo_stats_reset(struct fo_stats_fold *f);

/**
 * After fo_stats_reset(): the sub-device of @p role did not reset its own
 * counters (the op is missing or failed, or the device is leaving), which
 * stand at @p now. They count from there.
 */
void fo_stats_keep(struct fo_stats_fold *f, enum fo_role role,
		const uint64_t *now);

#endif /* FO_STATS_H */
