/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Extended statistics with stable names and ids whatever is present: the
 * failover counters, then each role's basic counters as last read (a
 * removed sub-device keeps what it showed last). And priv_dump.
 */

#include <inttypes.h>
#include <stdio.h>


#include "failover_private.h"

static const char * const fo_role_stat_names[FO_ROLE_STATS] = {
	"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors",
	"oerrors", "rx_nombuf",
};

static const char * const fo_counter_names[] = {
	"failover_switchovers",
	"failover_last_switch_ms",
	"failover_standby_tx_with_primary",
	"failover_tx_no_path_drops",
	"failover_readoptions",
	"failover_readoption_failures",
};

_Static_assert(RTE_DIM(fo_counter_names) == FO_NB_COUNTERS,
	"FO_NB_COUNTERS is the number of fo_counter_names");

int
fo_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		unsigned int size)
{
	unsigned int i, k = 0;
	enum fo_role r;

	RTE_SET_USED(dev);
	if (names == NULL || size < FO_NB_XSTATS)
		return FO_NB_XSTATS;
	for (i = 0; i < RTE_DIM(fo_counter_names); i++)
		snprintf(names[k++].name, sizeof(names[0].name), "%s",
			fo_counter_names[i]);
	FO_FOREACH_ROLE(r) {
		for (i = 0; i < FO_ROLE_STATS; i++)
			snprintf(names[k++].name, sizeof(names[0].name),
				"%s_%s", fo_role_name(r),
				fo_role_stat_names[i]);
	}
	return k;
}

int
fo_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		unsigned int n)
{
	struct fo_priv *priv = FO_PRIV(dev);
	uint64_t v[FO_NB_XSTATS];
	unsigned int i, k = 0;
	enum fo_role r;

	if (xstats == NULL || n < FO_NB_XSTATS)
		return FO_NB_XSTATS;
	pthread_mutex_lock(&priv->lock);
	FO_FOREACH_ROLE(r) {
		if (priv->sub[r].state >= FO_SUB_OWNED)
			fo_sub_stats_read_locked(priv, &priv->sub[r]);
	}
	v[k++] = priv->switchovers;
	v[k++] = fo_tsc_to_ms(priv->last_switch_tsc);
	v[k++] = priv->standby_tx_base - priv->standby_tx_reset +
		fo_queue_sum_locked(FO_PRIV(dev),
			offsetof(struct fo_queue, standby_tx));
	v[k++] = priv->tx_drops_base - priv->tx_drops_reset +
		fo_queue_sum_locked(FO_PRIV(dev),
			offsetof(struct fo_queue, drops));
	v[k++] = priv->readoptions;
	v[k++] = priv->readoption_failures;
	FO_FOREACH_ROLE(r) {
		for (i = 0; i < FO_ROLE_STATS; i++)
			v[k++] = priv->role_stats[r][i];
	}
	pthread_mutex_unlock(&priv->lock);
	for (i = 0; i < k; i++) {
		xstats[i].id = i;
		xstats[i].value = v[i];
	}
	return k;
}

int
fo_xstats_reset(struct rte_eth_dev *dev)
{
	struct fo_priv *priv = FO_PRIV(dev);

	/* The basic counters and their fold, the per-queue offsets. */
	rte_eth_stats_reset(dev->data->port_id);
	pthread_mutex_lock(&priv->lock);
	priv->switchovers = 0;
	priv->last_switch_tsc = 0;
	priv->readoptions = 0;
	priv->readoption_failures = 0;
	memset(priv->role_stats, 0, sizeof(priv->role_stats));
	pthread_mutex_unlock(&priv->lock);
	return 0;
}

int
fo_priv_dump(struct rte_eth_dev *dev, FILE *f)
{
	struct fo_priv *priv = FO_PRIV(dev);
	unsigned int i, first;
	enum fo_role r;

	pthread_mutex_lock(&priv->lock);
	/*
	 * No port name in front: applications print the dump under their
	 * own heading (testpmd's show port info from 23.11), and a line
	 * that starts with it reads as the PMD's log.
	 */
	fprintf(f, "TX on %s%s, switchovers %" PRIu64 ", re-adoptions %"
		PRIu64 " (failures %" PRIu64 ")\n",
		fo_role_name(priv->tx_role),
		priv->forced_standby ? " (standby forced)" : "",
		priv->switchovers, priv->readoptions,
		priv->readoption_failures);
	FO_FOREACH_ROLE(r) {
		const struct fo_sub *sub = &priv->sub[r];

		fprintf(f, "  %s: %s", fo_role_name(r),
			fo_state_name(sub->state));
		if (sub->port_id != FO_PORT_NONE)
			fprintf(f, ", port %u (%s), link %s", sub->port_id,
				sub->dev_name, sub->link_up ? "up" : "down");
		fprintf(f, "\n");
	}
	first = priv->history_next > FO_HISTORY ?
		priv->history_next - FO_HISTORY : 0;
	for (i = first; i < priv->history_next; i++) {
		const struct fo_history *h = &priv->history[i % FO_HISTORY];

		fprintf(f, "  [%" PRIu64 " ms] %s\n", fo_tsc_to_ms(h->tsc),
			h->text);
	}
	pthread_mutex_unlock(&priv->lock);
	return 0;
}
