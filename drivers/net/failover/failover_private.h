/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FAILOVER_PRIVATE_H
#define FAILOVER_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_log.h>
#include <bus_pci_driver.h>
#include <bus_vdev_driver.h>

#include "failover_compat.h"
#include "fo_devargs.h"
#include "fo_journal.h"
#include "fo_policy.h"
#include "fo_stats.h"
#include "rte_pmd_failover.h"

#define FO_DRIVER_NAME net_failover

extern int failover_logtype;
extern int failover_event_logtype;

#define FO_LOG(level, priv, fmt, ...) \
	rte_log(RTE_LOG_ ## level, failover_logtype, "%s: " fmt "\n", \
		(priv)->name, ##__VA_ARGS__)
#define FO_EV_LOG(level, priv, fmt, ...) \
	rte_log(RTE_LOG_ ## level, failover_event_logtype, "%s: " fmt "\n", \
		(priv)->name, ##__VA_ARGS__)

/* Entries of the failover port's MAC table (ethdev's mac_addrs). */
#define FO_MAX_MAC_ADDRS 64

/*
 * A sub-device refused for its MAC address: not an error of the failover
 * port, which runs without it. Distinct from what a failing probe returns.
 */
#define FO_ERR_MAC_REFUSED (-EADDRNOTAVAIL)

/* No port: a path word entry that carries nothing. */
#define FO_PORT_NONE RTE_MAX_ETHPORTS

/*
 * Where one queue receives from and transmits to, published as one 64-bit
 * word so that an lcore reads a consistent set with one plain load.
 */
union fo_path {
	uint64_t word;
	struct {
		uint16_t tx;
		uint16_t rx[FO_NB_ROLES];
		uint8_t nb_rx;
		/* FO_PATH_HOLD: with no TX path, return 0 rather than drop. */
		uint8_t flags;
	};
};

#define FO_PATH_HOLD 1
/* TX goes to the standby although a primary is present (counted). */
#define FO_PATH_STANDBY_WITH_PRIMARY 2

/*
 * How fo_datapath_sync() sees every lcore's seq store (failover_rxtx.c):
 * membarrier() on the process's threads, on the system's, or a full fence
 * in every burst when the kernel has neither.
 */
enum fo_sync_mode {
	FO_SYNC_EXPEDITED,
	FO_SYNC_GLOBAL,
	FO_SYNC_FENCE,
};

/*
 * One RX or TX queue of the failover port. Each queue has its own cache
 * line, the only one a burst touches: the lcore owning the queue writes
 * seq (and drops, standby_tx) on every burst; the control thread writes
 * path only when paths change and reads seq only while waiting out a grace
 * period.
 *
 * Grace-period contract (QSBR inside the PMD):
 *  - A burst makes seq odd on entry and even on exit, with plain stores,
 *    and reads path in between.
 *  - To take a sub-device out of the datapath, the control thread stores
 *    new path words, then fo_datapath_sync() issues membarrier() so that
 *    every lcore's pending seq store is visible (or, where the kernel has
 *    no membarrier(), fences, as bursts then do after entering), then
 *    waits on each queue whose seq is odd until it changes. After that no
 *    lcore can still use the old path, and the sub-device may be stopped
 *    and freed.
 *  - Bursts never take a lock or do an atomic read-modify-write.
 */
struct fo_queue {
	/* Also tells RX which sub-device to poll first (bit 1). */
	uint32_t seq;
	uint16_t qid;
	/* The failover port, written to mbuf->port on RX. */
	uint16_t port_id;
	/* FO_SYNC_FENCE: bursts fence after entering (set at setup). */
	uint8_t fence;
	union fo_path path;
	/* TX: packets dropped for want of a path. */
	uint64_t drops;
	/* TX: packets sent on the standby while a primary was present. */
	uint64_t standby_tx;
	struct fo_priv *priv;
	/* Setup parameters, replayed on a sub-device that joins later. */
	uint16_t nb_desc;
	unsigned int socket_id;
	union {
		struct rte_eth_rxconf rx_conf;
		struct rte_eth_txconf tx_conf;
	};
	struct rte_mempool *mp;
} __rte_cache_aligned;

struct fo_sub {
	enum fo_role role;
	/* Changed only by fo_sub_step_locked(). */
	enum fo_sub_state state;
	/*
	 * The sub-device's port, FO_PORT_NONE when absent. Written under
	 * priv->lock, read without it by event callbacks to filter events: a
	 * port the driver is closing itself is cleared first, so that its
	 * DESTROY event, raised in the same thread, is not taken for a removal.
	 */
	uint16_t port_id;
	bool link_up;
	/* The driver probed the device from a parenthesized string. */
	bool probed_here;
	/* rte_device name, to match EAL device events. */
	char dev_name[RTE_DEV_NAME_MAX_LEN];
	/*
	 * How to probe the device again when it is absent: the parenthesized
	 * string, or the name and arguments it had when first adopted.
	 */
	char reprobe[FO_DEV_ARGS_LEN];
	/* TSC before which a returning sub-device does not carry TX. */
	uint64_t tx_after;
	/* The bring-up step that failed last, logged once until it changes. */
	const char *failed_step;
	int failed_ret;
	/*
	 * Capability profile from the first time the sub-device was seen:
	 * written once, then info_valid set (release). Never changed after,
	 * so a secondary reads it without a lock or a request to us.
	 */
	struct rte_eth_dev_info info;
	bool info_valid;
};

/* Basic counters kept per role as last read, for xstats. */
#define FO_ROLE_STATS 8

/* The failover counters, then each role's basic counters (xstats). */
#define FO_NB_COUNTERS 6
#define FO_NB_XSTATS (FO_NB_COUNTERS + FO_NB_ROLES * FO_ROLE_STATS)

/* What a secondary reads of the port, written by the primary on request. */
#define FO_SNAP_DUMP_LEN 4096
struct fo_snapshot {
	/* Odd while the primary writes (failover_mp.c). */
	uint32_t seq;
	unsigned int nb_xstats;
	struct rte_eth_stats stats;
	uint64_t xstats[FO_NB_XSTATS];
	struct rte_pmd_failover_info pinfo;
	char dump[FO_SNAP_DUMP_LEN];
};

/* One line of the event history shown by telemetry and priv_dump. */
#define FO_HISTORY 16
#define FO_HISTORY_LEN 96
struct fo_history {
	uint64_t tsc;
	char text[FO_HISTORY_LEN];
};

/*
 * In the port's shared private data, which secondary processes map too.
 * Everything here is the primary's; a secondary reads snap only, by its
 * sequence count (failover_mp.c), and takes no lock.
 */
struct fo_priv {
	/* The primary's rte_eth_dev: secondaries have their own. */
	struct rte_eth_dev *dev;
	char name[RTE_DEV_NAME_MAX_LEN];
	/*
	 * Serializes control ops, event callbacks and deferred work. Never
	 * taken in bursts. Functions named *_locked assume it is held.
	 */
	pthread_mutex_t lock;
	struct fo_devargs args;
	struct fo_sub sub[FO_NB_ROLES];
	struct rte_eth_dev_owner owner;
	enum fo_role tx_role;
	struct fo_stats_fold stats;
	/* What the application set, for sub-devices that join later. */
	struct fo_journal journal;
	/* TSC until which the standby is still polled after a switch. */
	uint64_t drain_until;
	/*
	 * When the deferred work probes the absent primary, and the TSC
	 * until which a PCI primary EAL reported added is waited for to be
	 * bound (FO_WAIT_BIND). Changed only by fo_wait_step_locked().
	 */
	enum fo_wait_state wait;
	uint64_t wait_end;
	/*
	 * Ports claimed in their NEW event, per role, waiting for the
	 * deferred work to adopt them (ethdev calls fail until NEW returns).
	 */
	uint16_t claimed[FO_NB_ROLES];
	/* The EAL device event monitor was started for us. */
	bool monitor_started;
	/* ... and EAL's hotplug handler (SIGBUS on a vanished BAR). */
	bool hotplug_handled;
	/* Which port the hotplug owner serves (failover_owner.c). */
	uint32_t owner_gen;
	/* The application has configured the port. */
	bool configured;
	/* The application has started the port (set before ethdev's own). */
	bool started;
	/* rte_pmd_failover_force_standby(). */
	bool forced_standby;
	/* probe_any: a device that appeared, to probe once. */
	char probe_once[RTE_DEV_NAME_MAX_LEN];
	/* TX drops of released queues, and the total at the last reset. */
	uint64_t tx_drops_base;
	uint64_t tx_drops_reset;
	/* The same for standby TX while a primary was present. */
	uint64_t standby_tx_base;
	uint64_t standby_tx_reset;
	uint64_t switchovers;
	uint64_t last_switch_tsc;
	uint64_t readoptions;
	uint64_t readoption_failures;
	/* Last-known basic counters of each role's sub-device. */
	uint64_t role_stats[FO_NB_ROLES][FO_ROLE_STATS];
	/* A switchover not told to the application's callback yet. */
	bool switch_pending;
	enum fo_role switch_from;
	/*
	 * The application's switchover callback, set under cb_lock and run
	 * without it; cb_running counts runs in progress, which unregistering
	 * waits out (but from inside the callback itself).
	 */
	pthread_mutex_t cb_lock;
	rte_pmd_failover_switch_cb switch_cb;
	void *switch_cb_arg;
	uint32_t cb_running;
	/* The role that carried TX last, through spells of none. */
	enum fo_role last_tx_role;
	/*
	 * Calls of rx_queue_count and descriptor status in progress: they
	 * may come from any thread, so they count themselves atomically
	 * instead of using a queue's seq, and the grace period waits them out.
	 */
	uint32_t aux_inflight;
	/*
	 * The bus is removing the failover device (possibly while walking its
	 * device list at EAL cleanup): sub-devices are closed, not removed.
	 */
	bool bus_removing;
	struct fo_history history[FO_HISTORY];
	unsigned int history_next;
	/* How the grace period makes the lcores' seq stores visible. */
	enum fo_sync_mode sync_mode;
	/*
	 * The queues, their numbers and the configuration as our own ops last
	 * saw them, under the lock. ethdev's configure and queue setup change
	 * data->nb_*_queues, reallocate data->*_queues and free queues before
	 * calling us, without our lock: the deferred work (publication,
	 * bring-up of a returning sub-device) reads these instead.
	 */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	struct rte_eth_conf conf;
	struct fo_queue *rxq[RTE_MAX_QUEUES_PER_PORT];
	struct fo_queue *txq[RTE_MAX_QUEUES_PER_PORT];
	/* For secondary processes; see failover_mp.c. */
	struct fo_snapshot snap;
};

/* RX queues first, then TX queues: @p i below nb_rxq + nb_txq. */
static inline struct fo_queue *
fo_queue_at_locked(const struct fo_priv *priv, unsigned int i)
{
	return i < priv->nb_rxq ? priv->rxq[i] : priv->txq[i - priv->nb_rxq];
}

#define FO_PRIV(dev) ((struct fo_priv *)(dev)->data->dev_private)

#define FO_FOREACH_ROLE(r) for ((r) = FO_PRIMARY; (r) < FO_NB_ROLES; (r)++)

extern const struct eth_dev_ops failover_ops;
/* What a secondary process may do (failover_mp.c). */
extern const struct eth_dev_ops failover_secondary_ops;

/* failover_sub.c: finding, adopting and releasing sub-devices. */
int fo_sub_init(struct fo_priv *priv);
int fo_sub_adopt_locked(struct fo_priv *priv, enum fo_role role,
		uint16_t port_id);
bool fo_sub_claim(struct fo_priv *priv, uint16_t port_id);
void fo_sub_adopt_claimed_locked(struct fo_priv *priv);
int fo_sub_bring_up_locked(struct fo_priv *priv, struct fo_sub *sub);
enum fo_action fo_sub_step_locked(struct fo_priv *priv, struct fo_sub *sub,
		enum fo_event ev);

/* EAL hotplug calls that a vanished secondary made fail: tried again. */
#define FO_HOTPLUG_TRIES 20
#define FO_HOTPLUG_RETRY_MS 10

/* A release split around the lock: the device to remove after it. */
struct fo_release {
	bool remove;
	/* Stopped there too: a dead device's stop can take seconds. */
	uint16_t stop_port;
	char name[RTE_DEV_NAME_MAX_LEN];
	char bus[32];
};
void fo_sub_release_begin_locked(struct fo_priv *priv, struct fo_sub *sub,
		struct fo_release *rel);
void fo_sub_release_finish(const char *name, const struct fo_release *rel);
int fo_dev_name_cmp(const struct rte_device *dev, const void *name);
void fo_sub_uninit_locked(struct fo_priv *priv,
		struct fo_release rel[FO_NB_ROLES]);
/* How each journaled setting is applied to a sub-device port. */
extern const struct fo_journal_ops fo_settings;
int fo_sub_configure_locked(struct fo_priv *priv, struct fo_sub *sub);
void fo_sub_stats_read_locked(struct fo_priv *priv, struct fo_sub *sub);
enum fo_role fo_sub_role_of_port(struct fo_priv *priv, uint16_t port_id);

/* failover_rxtx.c: bursts and path publication. */
uint16_t failover_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t failover_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t failover_tx_prepare(void *queue, struct rte_mbuf **pkts, uint16_t n);
fo_rx_queue_count_t failover_rx_queue_count(void *queue);
int failover_tx_queue_count(void *queue);
int failover_rx_descriptor_status(void *queue, uint16_t offset);
int failover_tx_descriptor_status(void *queue, uint16_t offset);
void fo_set_burst_functions(struct rte_eth_dev *dev);
bool fo_datapath_publish_locked(struct fo_priv *priv);
bool fo_datapath_stale_locked(struct fo_priv *priv);
void fo_datapath_init(struct fo_priv *priv);

/* failover_intr.c: events and deferred work. */
int fo_intr_register(struct fo_priv *priv);
void fo_intr_unregister(struct fo_priv *priv);
void fo_link_notify(struct fo_priv *priv, bool changed);
struct fo_priv *fo_handle_get(uint16_t port_id);
void fo_handle_put(uint16_t port_id);

/*
 * failover_owner.c: the deferred work, and every EAL hotplug call it makes,
 * in one thread. Asking for work needs no lock and may come from anywhere.
 */
/* How long a PCI primary that EAL reported added may take to be bound. */
#define FO_BIND_WAIT_MS 30000
int fo_owner_attach(struct fo_priv *priv, bool hotplug_handler);
void fo_owner_detach(struct fo_priv *priv);
void fo_service_schedule(struct fo_priv *priv);
void fo_service_schedule_at(struct fo_priv *priv, uint64_t tsc);
bool fo_wait_step_locked(struct fo_priv *priv, enum fo_wait_event ev);
bool fo_is_pci(const char *name);

/* failover_virtio.c */
int fo_virtio_check(struct fo_priv *priv, uint16_t port,
		const struct rte_eth_dev_info *info);
int fo_virtio_negotiate_standby(struct fo_priv *priv,
		const struct fo_sub *sub);

/* failover_ops.c */
int fo_dev_stop_locked(struct rte_eth_dev *dev);
int fo_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info);
uint64_t fo_queue_sum_locked(const struct fo_priv *priv,
		size_t offset);

/* failover_mp.c: secondary processes, and serving them in the primary. */
int fo_secondary_probe(struct rte_vdev_device *vdev);
int fo_secondary_remove(struct rte_eth_dev *dev);
int fo_mp_primary_init(struct fo_priv *priv);
int fo_secondary_info_get(struct rte_eth_dev *dev,
		struct rte_pmd_failover_info *info);
void fo_mp_primary_uninit(void);

/* failover_api.c: the public API, switchover notice, history. */
bool fo_is_failover(uint16_t port_id);
void fo_history_add_locked(struct fo_priv *priv, const char *fmt, ...)
	__rte_format_printf(2, 3);
/* False when the callback closed the port: @p priv is gone then. */
bool fo_switch_notify(struct fo_priv *priv);
void fo_switch_closing(struct fo_priv *priv);
uint64_t fo_tsc_to_ms(uint64_t tsc);

/* failover_xstats.c: xstats and priv_dump. */
int fo_xstats_get_names(struct rte_eth_dev *dev,
		struct rte_eth_xstat_name *names, unsigned int size);
int fo_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		unsigned int n);
int fo_xstats_reset(struct rte_eth_dev *dev);
int fo_priv_dump(struct rte_eth_dev *dev, FILE *f);

#endif /* FAILOVER_PRIVATE_H */
