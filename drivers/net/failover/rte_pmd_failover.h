/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef RTE_PMD_FAILOVER_H
#define RTE_PMD_FAILOVER_H

/**
 * @file
 * The net_failover PMD's own API: what a failover port is doing, planned
 * switchovers, and notice of every switchover.
 *
 * A failover port gives the application one ethdev over a standby
 * (virtio-net) and a primary (an SR-IOV VF) with the same MAC address;
 * see the driver's guide. Everything here is optional: a failover port is
 * driven through the ethdev API like any other.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A role of a sub-device. */
enum rte_pmd_failover_role {
	/** No sub-device carries the transmit side. */
	RTE_PMD_FAILOVER_NONE = -1,
	/** The fast device (a VF), preferred while it is usable. */
	RTE_PMD_FAILOVER_PRIMARY = 0,
	/** The device that stays (virtio-net). */
	RTE_PMD_FAILOVER_STANDBY = 1,
};

/** What a failover port is doing. */
struct rte_pmd_failover_info {
	/** The sub-device the transmit side goes to now. */
	enum rte_pmd_failover_role tx_role;
	/** Port of the primary, RTE_MAX_ETHPORTS when absent. */
	uint16_t primary_port;
	/** Port of the standby, RTE_MAX_ETHPORTS when absent. */
	uint16_t standby_port;
	/** The primary is adopted (it may still be joining). */
	bool primary_present;
	/** The standby is adopted. */
	bool standby_present;
	/** rte_pmd_failover_force_standby() holds the transmit side. */
	bool forced_standby;
	/** Changes of the transmitting sub-device since creation. */
	uint64_t switchovers;
	/** Time of the last switchover, in rte_get_timer_cycles() units. */
	uint64_t last_switch_tsc;
};

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * What a failover port is doing now. Works in secondary processes too.
 *
 * @param port_id
 *   A failover port.
 * @param info
 *   Filled on success.
 * @return
 *   0, -ENODEV if @p port_id is not a port, -EINVAL if it is not a failover
 *   port or @p info is NULL.
 */
__rte_experimental
int rte_pmd_failover_info_get(uint16_t port_id,
		struct rte_pmd_failover_info *info);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Move the transmit side to the standby and keep it there, or give it back.
 *
 * For planned maintenance: a hypervisor agent forces the standby, then
 * unplugs the primary, and no packet is lost to the removal. When this
 * returns with @p on true, no lcore transmits on the primary any more
 * (the grace period is over); reception from the primary goes on while it
 * is present. With @p on false the primary carries the transmit side again
 * as soon as it is usable.
 *
 * @return
 *   0, -ENODEV or -EINVAL as for rte_pmd_failover_info_get(),
 *   -E_RTE_SECONDARY in a secondary process.
 */
__rte_experimental
int rte_pmd_failover_force_standby(uint16_t port_id, bool on);

/**
 * A switchover notice: the transmit side moved from @p from to @p to.
 * Called from the thread that caused it: the EAL interrupt thread for
 * device events, the PMD's hotplug thread for its deferred work (including
 * changes seen when the application reads the link), the application's
 * thread for its own control operations; never from a burst. No lock of
 * the PMD is held: it may call the ethdev API and this API, including
 * unregistering itself, and it may close the port.
 */
typedef void (*rte_pmd_failover_switch_cb)(uint16_t port_id,
		enum rte_pmd_failover_role from, enum rte_pmd_failover_role to,
		void *arg);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Be told of every switchover of a failover port. One callback per port.
 *
 * @return
 *   0, -ENODEV or -EINVAL as above, -EBUSY if one is registered already,
 *   -E_RTE_SECONDARY in a secondary process (the primary runs callbacks).
 */
__rte_experimental
int rte_pmd_failover_switch_callback_register(uint16_t port_id,
		rte_pmd_failover_switch_cb cb, void *arg);

/**
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Stop being told. On return, the callback is not running and will not
 * be called again.
 *
 * @return
 *   0, -ENODEV or -EINVAL as above, -ENOENT if @p cb is not registered,
 *   -E_RTE_SECONDARY in a secondary process.
 */
__rte_experimental
int rte_pmd_failover_switch_callback_unregister(uint16_t port_id,
		rte_pmd_failover_switch_cb cb, void *arg);

/**
 * Names of the role values, for logs: "primary", "standby", "none".
 */
__rte_experimental
const char *rte_pmd_failover_role_name(enum rte_pmd_failover_role role);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_FAILOVER_H */
