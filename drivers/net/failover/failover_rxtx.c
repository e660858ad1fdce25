/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "failover_private.h"

/*
 * Entering and leaving a burst are plain stores: the writer's membarrier()
 * supplies the full fence that the reader side leaves out. The signal fence
 * only keeps the compiler from moving the path load out of the odd window.
 * Without membarrier() the burst fences itself: its odd store is then
 * ordered before its path load, as the writer's path stores are before its
 * seq loads, so one of the two sees the other. Only the queue's lcore writes
 * seq, so the value read on entry serves for both stores.
 */
static __rte_always_inline void
fo_qsbr_enter(struct fo_queue *q, uint32_t seq)
{
	__atomic_store_n(&q->seq, seq + 1, __ATOMIC_RELAXED);
	if (unlikely(q->fence))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static __rte_always_inline void
fo_qsbr_leave(struct fo_queue *q, uint32_t seq)
{
	__atomic_store_n(&q->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Must be a power of 2. */
#define FO_RX_SECOND_FIRST 8

/*
 * Stamp the failover port on what the sub-devices returned. Four mbufs a
 * step with the port held in a register: under three instructions a
 * packet instead of five, and no branch but the loop's.
 */
static __rte_always_inline void
fo_rx_port_set(struct rte_mbuf **pkts, uint16_t nb, uint16_t port)
{
	struct rte_mbuf **end4 = pkts + (nb & ~3u);
	struct rte_mbuf **end = pkts + nb;

	for (; pkts != end4; pkts += 4) {
		pkts[0]->port = port;
		pkts[1]->port = port;
		pkts[2]->port = port;
		pkts[3]->port = port;
	}
	for (; pkts != end; pkts++)
		pkts[0]->port = port;
}

uint16_t
failover_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct fo_queue *q = queue;
	uint32_t seq = q->seq;
	union fo_path path;
	uint16_t first, second;
	uint16_t nb;

	fo_qsbr_enter(q, seq);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (likely(path.nb_rx == 2)) {
		/*
		 * The primary (rx[0] when polled) goes first, but on one burst
		 * in FO_RX_SECOND_FIRST (seq grows by 2 a burst): a primary
		 * that fills every burst would otherwise starve the standby.
		 * When the first fills the burst, the second is not polled.
		 */
		first = path.rx[0];
		second = path.rx[1];
		if (unlikely(((seq >> 1) & (FO_RX_SECOND_FIRST - 1)) == 0)) {
			first = path.rx[1];
			second = path.rx[0];
		}
		nb = rte_eth_rx_burst(first, q->qid, pkts, n);
		if (nb < n)
			nb += rte_eth_rx_burst(second, q->qid, pkts + nb,
					n - nb);
	} else if (path.nb_rx == 1) {
		nb = rte_eth_rx_burst(path.rx[0], q->qid, pkts, n);
	} else {
		nb = 0;
	}
	fo_qsbr_leave(q, seq);
	fo_rx_port_set(pkts, nb, q->port_id);
	return nb;
}

/* No TX path: hold or drop (and count), as the devargs say. */
static __rte_noinline uint16_t
fo_tx_no_path(struct fo_queue *q, union fo_path path,
		struct rte_mbuf **pkts, uint16_t n)
{
	/* The application asked to keep its packets. */
	if (path.flags & FO_PATH_HOLD)
		return 0;
	/* Drop and count, as Linux net_failover does. */
	rte_pktmbuf_free_bulk(pkts, n);
	/* One writer, read by control threads: a store, not an RMW. */
	__atomic_store_n(&q->drops, q->drops + n, __ATOMIC_RELAXED);
	return n;
}

uint16_t
failover_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct fo_queue *q = queue;
	uint32_t seq = q->seq;
	union fo_path path;
	uint16_t nb;

	fo_qsbr_enter(q, seq);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (likely(path.tx != FO_PORT_NONE)) {
		nb = rte_eth_tx_burst(path.tx, q->qid, pkts, n);
		if (unlikely(path.flags & FO_PATH_STANDBY_WITH_PRIMARY))
			__atomic_store_n(&q->standby_tx, q->standby_tx + nb,
				__ATOMIC_RELAXED);
	} else {
		nb = fo_tx_no_path(q, path, pkts, n);
	}
	fo_qsbr_leave(q, seq);
	return nb;
}

/*
 * Queue count and descriptor status may be called from any thread, not
 * only the queue's lcore, so they may not use the queue's seq: they count
 * themselves in priv with atomics (not the bursts' path: no cost there).
 */
static inline void
fo_aux_enter(struct fo_queue *q)
{
	__atomic_fetch_add(&q->priv->aux_inflight, 1, __ATOMIC_SEQ_CST);
}

static inline void
fo_aux_leave(struct fo_queue *q)
{
	__atomic_fetch_sub(&q->priv->aux_inflight, 1, __ATOMIC_RELEASE);
}

/*
 * The rest of the fast-path surface, forwarded to the sub-device that
 * carries TX (prepare, TX descriptors) or to the polled ones (RX count),
 * inside the same grace-period window as the bursts.
 */
uint16_t
failover_tx_prepare(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct fo_queue *q = queue;
	uint32_t seq = q->seq;
	union fo_path path;
	uint16_t nb = n;

	fo_qsbr_enter(q, seq);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (path.tx != FO_PORT_NONE)
		nb = rte_eth_tx_prepare(path.tx, q->qid, pkts, n);
	fo_qsbr_leave(q, seq);
	return nb;
}

fo_rx_queue_count_t
failover_rx_queue_count(void *queue)
{
	struct fo_queue *q = queue;
	union fo_path path;
	fo_rx_queue_count_t count = 0;
	int c, i, err = 0;

	fo_aux_enter(q);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	for (i = 0; i < path.nb_rx; i++) {
		c = rte_eth_rx_queue_count(path.rx[i], q->qid);
		if (c >= 0)
			count += c;
		else
			err = c;
	}
	fo_aux_leave(q);
	/* An error only when no polled sub-device could count. */
	return err != 0 && count == 0 ? (fo_rx_queue_count_t)err : count;
}

int
failover_rx_descriptor_status(void *queue, uint16_t offset)
{
	struct fo_queue *q = queue;
	union fo_path path;
	int ret = -ENODEV;

	/* Descriptors of the first polled device (the primary when up). */
	fo_aux_enter(q);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (path.nb_rx > 0)
		ret = rte_eth_rx_descriptor_status(path.rx[0], q->qid, offset);
	fo_aux_leave(q);
	return ret;
}

/* The descriptors of the device TX takes now. */
int
failover_tx_queue_count(void *queue)
{
	struct fo_queue *q = queue;
	union fo_path path;
	int ret = -ENODEV;

	fo_aux_enter(q);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (path.tx != FO_PORT_NONE)
		ret = fo_eth_tx_queue_count(path.tx, q->qid);
	fo_aux_leave(q);
	return ret;
}

int
failover_tx_descriptor_status(void *queue, uint16_t offset)
{
	struct fo_queue *q = queue;
	union fo_path path;
	int ret = -ENODEV;

	fo_aux_enter(q);
	path.word = __atomic_load_n(&q->path.word, __ATOMIC_ACQUIRE);
	if (path.tx != FO_PORT_NONE)
		ret = rte_eth_tx_descriptor_status(path.tx, q->qid, offset);
	fo_aux_leave(q);
	return ret;
}

static int
fo_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

static const char * const fo_sync_names[] = {
	[FO_SYNC_EXPEDITED] = "expedited",
	[FO_SYNC_GLOBAL] = "global",
	[FO_SYNC_FENCE] = "fence",
};

/*
 * The mode is chosen before any queue exists, once per port: bursts learn
 * it at queue setup. FO_TEST_SYNC=expedited|global|fence forces one; it is
 * meant for tests of the fallbacks, on kernels that have membarrier().
 */
void
fo_datapath_init(struct fo_priv *priv)
{
	const char *force;
	int cmds = fo_membarrier(MEMBARRIER_CMD_QUERY);
	unsigned int m;

	/* Read at probe, as EAL reads its own environment. */
	force = getenv("FO_TEST_SYNC"); /* NOLINT(concurrency-mt-unsafe) */

	priv->sync_mode = FO_SYNC_FENCE;
	/* Registration is per process and idempotent. */
	if (fo_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
			fo_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		priv->sync_mode = FO_SYNC_EXPEDITED;
	else if (cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL) != 0)
		priv->sync_mode = FO_SYNC_GLOBAL;
	for (m = 0; force != NULL && m < RTE_DIM(fo_sync_names); m++) {
		if (strcmp(force, fo_sync_names[m]) == 0)
			priv->sync_mode = m;
	}
	if (priv->sync_mode != FO_SYNC_EXPEDITED)
		FO_LOG(WARNING, priv, "no expedited membarrier(): grace periods "
			"use %s", priv->sync_mode == FO_SYNC_GLOBAL ?
			"the system-wide membarrier() (slower removals)" :
			"a fence in every burst (slower bursts)");
}

/*
 * Make every lcore's seq store visible. A failure of the expedited call
 * (-ENOMEM is possible) falls back to the system-wide one; neither
 * failing, try again: a removal may not go on without the barrier.
 */
static void
fo_barrier_all(struct fo_priv *priv)
{
	bool logged = false;

	if (priv->sync_mode == FO_SYNC_FENCE) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return;
	}
	for (;;) {
		if (priv->sync_mode == FO_SYNC_EXPEDITED &&
				fo_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
				== 0)
			return;
		if (fo_membarrier(MEMBARRIER_CMD_GLOBAL) == 0)
			return;
		if (!logged)
			FO_LOG(ERR, priv, "membarrier() failed (%s): retrying",
				rte_strerror(errno));
		logged = true;
		rte_delay_us_sleep(1000);
	}
}

/* Wait until no lcore can still be using a path published before now. */
static void
fo_datapath_sync(struct fo_priv *priv)
{
	unsigned int nb_q = priv->nb_rxq + priv->nb_txq;
	uint32_t snap[2 * RTE_MAX_QUEUES_PER_PORT];
	struct fo_queue *q;
	unsigned int i;

	fo_barrier_all(priv);
	while (__atomic_load_n(&priv->aux_inflight, __ATOMIC_ACQUIRE) != 0)
		rte_pause();
	for (i = 0; i < nb_q; i++) {
		q = fo_queue_at_locked(priv, i);
		snap[i] = q == NULL ? 0 :
			__atomic_load_n(&q->seq, __ATOMIC_ACQUIRE);
	}
	/* An even seq: not in a burst, or in one that sees the new path. */
	for (i = 0; i < nb_q; i++) {
		q = fo_queue_at_locked(priv, i);
		if (q == NULL)
			continue;
		while ((snap[i] & 1) != 0 && __atomic_load_n(&q->seq,
				__ATOMIC_ACQUIRE) == snap[i])
			rte_pause();
	}
}

/*
 * The path word the state of the sub-devices and the policies call for.
 * *next_tsc gets when it will change by itself (a warm-up or drain window
 * ending), 0 if never.
 */
static union fo_path
fo_path_compute(struct fo_priv *priv, enum fo_role *tx_role,
		uint64_t *next_tsc)
{
	struct fo_sub_view view[FO_NB_ROLES];
	union fo_path path = { .tx = FO_PORT_NONE,
		.rx = { FO_PORT_NONE, FO_PORT_NONE } };
	uint64_t now = rte_get_timer_cycles();
	struct fo_sub *primary = &priv->sub[FO_PRIMARY];
	enum fo_role r;

	*next_tsc = 0;
	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];
		struct rte_eth_link link;

		/* Cheap and current: covers devices that raise no LSC. */
		if (sub->state == FO_SUB_STARTED)
			sub->link_up = rte_eth_link_get_nowait(sub->port_id,
					&link) == 0 &&
				link.link_status == RTE_ETH_LINK_UP;
		view[r].state = sub->state;
		view[r].link_up = sub->link_up;
	}
	/* A returning primary warms up before it carries TX. */
	if (view[FO_PRIMARY].link_up && now < primary->tx_after) {
		view[FO_PRIMARY].link_up = false;
		*next_tsc = primary->tx_after;
	}
	/* Planned maintenance: the application holds TX on the standby. */
	if (priv->forced_standby)
		view[FO_PRIMARY].link_up = false;
	if (priv->args.no_path == FO_NO_PATH_HOLD)
		path.flags |= FO_PATH_HOLD;
	if (!priv->started) {
		*tx_role = FO_ROLE_NONE;
		return path;
	}
	*tx_role = fo_tx_role(view);
	if (*tx_role != FO_ROLE_NONE)
		path.tx = priv->sub[*tx_role].port_id;
	if (*tx_role == FO_STANDBY && primary->state >= FO_SUB_OWNED)
		path.flags |= FO_PATH_STANDBY_WITH_PRIMARY;
	FO_FOREACH_ROLE(r) {
		if (!fo_rx_polled(&view[r]))
			continue;
		/*
		 * Linux's rule, on request: the standby is not polled while
		 * the primary is up, but for a drain window after a switch.
		 */
		if (r == FO_STANDBY &&
				priv->args.standby_rx == FO_STANDBY_RX_ABSENT &&
				*tx_role == FO_PRIMARY &&
				now >= priv->drain_until)
			continue;
		path.rx[path.nb_rx++] = priv->sub[r].port_id;
	}
	if (priv->args.standby_rx == FO_STANDBY_RX_ABSENT &&
			now < priv->drain_until &&
			(*next_tsc == 0 || priv->drain_until < *next_tsc))
		*next_tsc = priv->drain_until;
	return path;
}

static bool
fo_path_has(const union fo_path *p, uint16_t port)
{
	return p->tx == port || (p->nb_rx > 0 && p->rx[0] == port) ||
		(p->nb_rx > 1 && p->rx[1] == port);
}

/* Whether the published paths are not what the sub-devices call for. */
bool
fo_datapath_stale_locked(struct fo_priv *priv)
{
	union fo_path path;
	enum fo_role tx_role;
	uint64_t next_tsc;
	struct fo_queue *q;
	unsigned int i;

	path = fo_path_compute(priv, &tx_role, &next_tsc);
	if (tx_role != priv->tx_role)
		return true;
	for (i = 0; i < (unsigned int)priv->nb_rxq + priv->nb_txq; i++) {
		q = fo_queue_at_locked(priv, i);
		if (q != NULL && q->path.word != path.word)
			return true;
	}
	return false;
}

/*
 * Publish the paths the sub-device states call for, to every queue. When a
 * port leaves the paths, or the TX port changes, return only after the
 * grace period, so that the caller may stop or free it, or rely on nothing
 * transmitting on it. Returns whether the failover link changed.
 */
bool
fo_datapath_publish_locked(struct fo_priv *priv)
{
	union fo_path path, old = { .word = 0 };
	struct rte_eth_link link;
	enum fo_role tx_role;
	bool need_sync = false;
	uint64_t next_tsc;
	struct fo_queue *q;
	unsigned int i, j;

	path = fo_path_compute(priv, &tx_role, &next_tsc);
	if (tx_role != priv->tx_role) {
		/* After a switch the standby is drained for a while. */
		priv->drain_until = rte_get_timer_cycles() +
			rte_get_timer_hz() * priv->args.drain_ms / 1000;
		path = fo_path_compute(priv, &tx_role, &next_tsc);
	}
	for (i = 0; i < (unsigned int)priv->nb_rxq + priv->nb_txq; i++) {
		q = fo_queue_at_locked(priv, i);
		if (q == NULL)
			continue;
		old.word = q->path.word;
		for (j = 0; j < old.nb_rx; j++)
			need_sync |= !fo_path_has(&path, old.rx[j]);
		/*
		 * A port leaving TX too, even if still polled: whoever moved
		 * TX (force_standby) may rely on nothing transmitting there.
		 */
		need_sync |= old.tx != path.tx;
		__atomic_store_n(&q->path.word, path.word, __ATOMIC_RELEASE);
	}
	if (need_sync)
		fo_datapath_sync(priv);

	if (tx_role != priv->tx_role) {
		FO_EV_LOG(INFO, priv, "TX on %s (was %s)", fo_role_name(tx_role),
			fo_role_name(priv->tx_role));
		fo_history_add_locked(priv, "TX on %s (was %s)",
			fo_role_name(tx_role), fo_role_name(priv->tx_role));
		/*
		 * A change of device, even through a spell of none (both
		 * gone, then the other back); not the port's stop and start.
		 */
		if (tx_role != FO_ROLE_NONE) {
			if (priv->last_tx_role != FO_ROLE_NONE &&
					priv->last_tx_role != tx_role) {
				priv->switchovers++;
				priv->last_switch_tsc = rte_get_timer_cycles();
			}
			priv->last_tx_role = tx_role;
		}
		if (!priv->switch_pending) {
			priv->switch_pending = true;
			priv->switch_from = priv->tx_role;
		}
		priv->tx_role = tx_role;
	}
	if (next_tsc != 0)
		fo_service_schedule_at(priv, next_tsc);

	memset(&link, 0, sizeof(link));
	if (tx_role != FO_ROLE_NONE &&
			rte_eth_link_get_nowait(priv->sub[tx_role].port_id,
				&link) == 0) {
		link.link_status = RTE_ETH_LINK_UP;
	} else {
		link.link_status = RTE_ETH_LINK_DOWN;
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	}
	link.link_autoneg = RTE_ETH_LINK_AUTONEG;
	return rte_eth_linkstatus_set(priv->dev, &link) == 0;
}
