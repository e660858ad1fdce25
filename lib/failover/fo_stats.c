/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <string.h>

#include "fo_stats.h"

void
fo_stats_init(struct fo_stats_fold *f, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->n = n < FO_STATS_MAX ? n : FO_STATS_MAX;
}

void
fo_stats_update(struct fo_stats_fold *f, enum fo_role role,
		const uint64_t *now)
{
	uint64_t *last = f->last[role], *floor = f->floor[role];
	size_t i;

	for (i = 0; i < f->n; i++) {
		/* Restarted from zero: what it counted since the reset stays. */
		if (now[i] < last[i]) {
			f->base[i] += last[i] - floor[i];
			floor[i] = 0;
		}
		last[i] = now[i];
	}
}

void
fo_stats_retire(struct fo_stats_fold *f, enum fo_role role)
{
	uint64_t *last = f->last[role], *floor = f->floor[role];
	size_t i;

	for (i = 0; i < f->n; i++) {
		f->base[i] += last[i] - floor[i];
		last[i] = 0;
		floor[i] = 0;
	}
}

void
fo_stats_total(const struct fo_stats_fold *f, uint64_t *out)
{
	size_t i;
	int r;

	for (i = 0; i < f->n; i++) {
		out[i] = f->base[i];
		for (r = 0; r < FO_NB_ROLES; r++)
			out[i] += f->last[r][i] - f->floor[r][i];
	}
}

void
fo_stats_reset(struct fo_stats_fold *f)
{
	fo_stats_init(f, f->n);
}

void
fo_stats_keep(struct fo_stats_fold *f, enum fo_role role, const uint64_t *now)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		f->last[role][i] = now[i];
		f->floor[role][i] = now[i];
	}
}
