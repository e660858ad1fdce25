/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Telemetry commands, for dpdk-telemetry.py:
 *   /failover/list         the failover ports
 *   /failover/info,<port>  state, sub-devices, counters, last events
 */

#include <stdlib.h>

#include <rte_telemetry.h>

#include "failover_private.h"

static int
fo_tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint16_t port;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (fo_is_failover(port))
			rte_tel_data_add_array_int(d, port);
	}
	return 0;
}

static struct rte_tel_data *
fo_tel_sub(const struct fo_sub *sub)
{
	struct rte_tel_data *t = rte_tel_data_alloc();

	if (t == NULL)
		return NULL;
	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_string(t, "state", fo_state_name(sub->state));
	if (sub->port_id != FO_PORT_NONE) {
		rte_tel_data_add_dict_int(t, "port", sub->port_id);
		rte_tel_data_add_dict_string(t, "device", sub->dev_name);
		rte_tel_data_add_dict_string(t, "link",
			sub->link_up ? "up" : "down");
	}
	return t;
}

static int
fo_tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *events, *t;
	struct fo_priv *priv;
	unsigned long port;
	unsigned int i, first;
	char line[FO_HISTORY_LEN + 32];
	enum fo_role r;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	port = strtoul(params, &end, 10);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	/* The handle keeps the port from being closed under us. */
	priv = fo_handle_get((uint16_t)port);
	if (priv == NULL)
		return -EINVAL;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&priv->lock);
	rte_tel_data_add_dict_string(d, "name", priv->name);
	rte_tel_data_add_dict_string(d, "tx", fo_role_name(priv->tx_role));
	rte_tel_data_add_dict_int(d, "forced_standby", priv->forced_standby);
	fo_tel_dict_add_uint(d, "switchovers", priv->switchovers);
	fo_tel_dict_add_uint(d, "last_switch_ms",
		fo_tsc_to_ms(priv->last_switch_tsc));
	fo_tel_dict_add_uint(d, "readoptions", priv->readoptions);
	fo_tel_dict_add_uint(d, "readoption_failures",
		priv->readoption_failures);
	FO_FOREACH_ROLE(r) {
		t = fo_tel_sub(&priv->sub[r]);
		if (t != NULL)
			rte_tel_data_add_dict_container(d, fo_role_name(r), t,
				0);
	}
	events = rte_tel_data_alloc();
	if (events != NULL) {
		rte_tel_data_start_array(events, RTE_TEL_STRING_VAL);
		first = priv->history_next > FO_HISTORY ?
			priv->history_next - FO_HISTORY : 0;
		for (i = first; i < priv->history_next; i++) {
			const struct fo_history *h =
				&priv->history[i % FO_HISTORY];

			snprintf(line, sizeof(line), "%" PRIu64 " ms: %s",
				fo_tsc_to_ms(h->tsc), h->text);
			rte_tel_data_add_array_string(events, line);
		}
		rte_tel_data_add_dict_container(d, "events", events, 0);
	}
	pthread_mutex_unlock(&priv->lock);
	fo_handle_put((uint16_t)port);
	return 0;
}

RTE_INIT(fo_telemetry_init)
{
	rte_telemetry_register_cmd("/failover/list", fo_tel_list,
		"Returns the failover ports. Takes no parameters");
	rte_telemetry_register_cmd("/failover/info", fo_tel_info,
		"Returns a failover port's state, sub-devices, counters and "
		"last events. Parameters: int port_id");
}
