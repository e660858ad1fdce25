/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Secondary processes (dpdk-proc-info, dpdk-dumpcap, an application's own).
 *
 * A secondary attaches to the port the primary created and may read it
 * (stats, xstats, device info, link, dump) and reset its counters; what
 * changes sub-devices or the datapath is the primary's alone.
 *
 * A secondary takes no lock of the primary's and calls no sub-device: it
 * could be killed inside (the OOM killer, Ctrl-C, a fault) and leave a
 * process-shared lock held, which every later event and alarm of the
 * primary would wait for. Instead it asks the primary over EAL's
 * multi-process channel. The primary serves the request in its interrupt
 * thread, where its deferred work runs (never in EAL's multi-process
 * thread, which the primary's own hotplug calls wait on for the
 * secondaries' answers), writes what was asked into the port's shared
 * snapshot and replies. The secondary then copies the snapshot out under
 * its sequence count: the primary is its only writer and never waits for a
 * reader; a reader that finds the count odd or changed reads again.
 *
 * A secondary killed at any point leaves a reply to nobody, nothing more.
 *
 * Device info is not asked for: it is folded from sub-device profiles
 * written once (fo_dev_infos_get), and it is what a secondary's own
 * multi-process callback may need (DPDK 25.11's pdump), where a request
 * cannot be answered.
 *
 * Bursts in a secondary move nothing: the primary's grace period before it
 * frees a sub-device covers its own threads only (membarrier is per
 * process), so a secondary's burst could still be inside a freed device.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>

#include <rte_alarm.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_string_fns.h>
#include <ethdev_vdev.h>

#include "failover_private.h"

#define FO_MP_ACTION "net_failover_mp"
/* A primary busy bringing a sub-device up may hold its lock this long. */
#define FO_MP_TIMEOUT_S 5
/* Reads of a snapshot the primary keeps rewriting: give up after these. */
#define FO_SNAP_READ_TRIES 1000

enum fo_mp_op {
	/* Refresh the snapshot: stats, xstats, failover info, dump. */
	FO_MP_REFRESH,
	FO_MP_STATS_RESET,
	FO_MP_XSTATS_RESET,
};

struct fo_mp_req {
	char name[RTE_DEV_NAME_MAX_LEN];
	uint32_t op;
};

struct fo_mp_rep {
	int32_t ret;
};

/* A request waiting for the interrupt thread, with whom to answer. */
struct fo_mp_job {
	struct rte_mp_msg msg;
	char peer[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Primary: failover ports of this process, while any the action is on. */
static pthread_mutex_t fo_mp_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int fo_mp_users;

static void
fo_mp_answer(struct fo_mp_job *job, int ret)
{
	struct rte_mp_msg reply;
	struct fo_mp_rep rep = { .ret = ret };

	memset(&reply, 0, sizeof(reply));
	rte_strscpy(reply.name, FO_MP_ACTION, sizeof(reply.name));
	reply.len_param = sizeof(rep);
	memcpy(reply.param, &rep, sizeof(rep));
	/* A secondary gone meanwhile gets nothing; nobody waits for it. */
	rte_mp_reply(&reply, job->peer);
}

/* Primary, interrupt thread: write the snapshot of @p priv's port. */
static void
fo_snapshot_write(struct fo_priv *priv)
{
	struct rte_eth_dev *dev = priv->dev;
	struct fo_snapshot *snap = &priv->snap;
	struct rte_eth_xstat xs[FO_NB_XSTATS];
	struct rte_pmd_failover_info pinfo;
	struct rte_eth_stats stats;
	char dump[FO_SNAP_DUMP_LEN];
	unsigned int i;
	FILE *f;
	int n;

	/* As ethdev gives them here; its pointers are fixed up there. */
	if (rte_eth_stats_get(dev->data->port_id, &stats) != 0)
		memset(&stats, 0, sizeof(stats));
	if (rte_pmd_failover_info_get(dev->data->port_id, &pinfo) != 0)
		memset(&pinfo, 0, sizeof(pinfo));
	memset(dump, 0, sizeof(dump));
	n = fo_xstats_get(dev, xs, RTE_DIM(xs));
	f = fmemopen(dump, sizeof(dump) - 1, "w");
	if (f != NULL) {
		fo_priv_dump(dev, f);
		fclose(f);
	}

	/* The one writer: odd while writing, even and new when done. */
	__atomic_fetch_add(&snap->seq, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	snap->stats = stats;
	snap->pinfo = pinfo;
	for (i = 0; n > 0 && i < (unsigned int)n; i++)
		snap->xstats[i] = xs[i].value;
	snap->nb_xstats = n > 0 ? (unsigned int)n : 0;
	memcpy(snap->dump, dump, sizeof(dump));
	__atomic_fetch_add(&snap->seq, 1, __ATOMIC_RELEASE);
}

static int
fo_mp_do(const struct fo_mp_req *req)
{
	struct fo_priv *priv;
	uint16_t port;
	int ret = 0;

	if (rte_eth_dev_get_port_by_name(req->name, &port) != 0)
		return -ENODEV;
	/* Only a live failover port of ours has one; close waits for us. */
	priv = fo_handle_get(port);
	if (priv == NULL)
		return -ENODEV;
	switch (req->op) {
	case FO_MP_REFRESH:
		fo_snapshot_write(priv);
		break;
	case FO_MP_STATS_RESET:
		ret = rte_eth_stats_reset(port);
		break;
	case FO_MP_XSTATS_RESET:
		ret = fo_xstats_reset(priv->dev);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	fo_handle_put(port);
	return ret;
}

/* Primary, interrupt thread. */
static void
fo_mp_serve(void *arg)
{
	struct fo_mp_job *job = arg;
	struct fo_mp_req req;

	memcpy(&req, job->msg.param, sizeof(req));
	req.name[sizeof(req.name) - 1] = '\0';
	fo_mp_answer(job, fo_mp_do(&req));
	free(job);
}

/* Primary, EAL's multi-process thread: hand over, never wait here. */
static int
fo_mp_action(const struct rte_mp_msg *msg, const void *peer)
{
	struct fo_mp_job *job;

	if (msg->len_param != sizeof(struct fo_mp_req))
		return -1;
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return -1;
	job->msg = *msg;
	rte_strscpy(job->peer, peer, sizeof(job->peer));
	if (rte_eal_alarm_set(1, fo_mp_serve, job) != 0) {
		fo_mp_answer(job, -ENOMEM);
		free(job);
	}
	return 0;
}

int
fo_mp_primary_init(struct fo_priv *priv)
{
	int ret = 0;

	pthread_mutex_lock(&fo_mp_lock);
	if (fo_mp_users == 0 &&
			rte_mp_action_register(FO_MP_ACTION, fo_mp_action) != 0) {
		ret = -rte_errno;
		/* --in-memory, --no-shconf: no secondary can attach anyway. */
		if (ret == -ENOTSUP)
			ret = 0;
		else
			FO_LOG(ERR, priv, "cannot serve secondary processes "
				"(%s)", rte_strerror(-ret));
	}
	if (ret == 0)
		fo_mp_users++;
	pthread_mutex_unlock(&fo_mp_lock);
	return ret;
}

void
fo_mp_primary_uninit(void)
{
	pthread_mutex_lock(&fo_mp_lock);
	if (fo_mp_users > 0 && --fo_mp_users == 0)
		rte_mp_action_unregister(FO_MP_ACTION);
	pthread_mutex_unlock(&fo_mp_lock);
}

/* Secondary: ask the primary to do @p op on @p dev's port. */
static int
fo_mp_request(struct rte_eth_dev *dev, enum fo_mp_op op)
{
	struct timespec ts = { .tv_sec = FO_MP_TIMEOUT_S };
	struct rte_mp_msg msg;
	struct rte_mp_reply reply;
	struct fo_mp_req req;
	struct fo_mp_rep rep;
	int ret;

	memset(&msg, 0, sizeof(msg));
	memset(&req, 0, sizeof(req));
	rte_strscpy(msg.name, FO_MP_ACTION, sizeof(msg.name));
	rte_strscpy(req.name, dev->data->name, sizeof(req.name));
	req.op = op;
	msg.len_param = sizeof(req);
	memcpy(msg.param, &req, sizeof(req));
	memset(&reply, 0, sizeof(reply));
	if (rte_mp_request_sync(&msg, &reply, &ts) != 0)
		return -rte_errno;
	if (reply.nb_received != 1 ||
			reply.msgs[0].len_param != sizeof(rep)) {
		free(reply.msgs);
		return -ETIMEDOUT;
	}
	memcpy(&rep, reply.msgs[0].param, sizeof(rep));
	free(reply.msgs);
	ret = rep.ret;
	return ret;
}

/*
 * Secondary: refresh the snapshot and copy it out. Another secondary's
 * request may rewrite it meanwhile: any complete copy made after our
 * refresh is at least as recent as the one we asked for.
 */
static int
fo_snapshot_read(struct rte_eth_dev *dev, struct fo_snapshot *out)
{
	const struct fo_snapshot *snap = &FO_PRIV(dev)->snap;
	unsigned int tries;
	uint32_t seq;
	int ret;

	ret = fo_mp_request(dev, FO_MP_REFRESH);
	if (ret != 0)
		return ret;
	for (tries = 0; tries < FO_SNAP_READ_TRIES; tries++) {
		seq = __atomic_load_n(&snap->seq, __ATOMIC_ACQUIRE);
		if ((seq & 1) != 0) {
			rte_pause();
			continue;
		}
		memcpy(out, snap, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&snap->seq, __ATOMIC_RELAXED) == seq)
			return 0;
	}
	return -EAGAIN;
}

static int
fo_secondary_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats
		FO_STATS_GET_QSTATS)
{
	struct fo_snapshot snap;
	int ret = fo_snapshot_read(dev, &snap);

	if (ret == 0)
		*stats = snap.stats;
	return ret;
}

static int
fo_secondary_stats_reset(struct rte_eth_dev *dev)
{
	return fo_mp_request(dev, FO_MP_STATS_RESET);
}

static int
fo_secondary_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		unsigned int n)
{
	struct fo_snapshot snap;
	unsigned int i;
	int ret;

	if (xstats == NULL || n < FO_NB_XSTATS)
		return FO_NB_XSTATS;
	ret = fo_snapshot_read(dev, &snap);
	if (ret != 0)
		return ret;
	for (i = 0; i < snap.nb_xstats; i++) {
		xstats[i].id = i;
		xstats[i].value = snap.xstats[i];
	}
	return snap.nb_xstats;
}

static int
fo_secondary_xstats_reset(struct rte_eth_dev *dev)
{
	return fo_mp_request(dev, FO_MP_XSTATS_RESET);
}

int
fo_secondary_info_get(struct rte_eth_dev *dev,
		struct rte_pmd_failover_info *info)
{
	struct fo_snapshot snap;
	int ret = fo_snapshot_read(dev, &snap);

	if (ret == 0)
		*info = snap.pinfo;
	return ret;
}

static int
fo_secondary_dump(struct rte_eth_dev *dev, FILE *f)
{
	struct fo_snapshot snap;
	int ret = fo_snapshot_read(dev, &snap);

	if (ret != 0)
		return ret;
	snap.dump[sizeof(snap.dump) - 1] = '\0';
	fputs(snap.dump, f);
	return 0;
}

/*
 * The primary keeps the link in the shared port data up to date; a
 * secondary reading it must not republish paths or arm alarms.
 */
static int
fo_secondary_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(wait_to_complete);
	return -1;
}

static int
fo_secondary_close(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

const struct eth_dev_ops failover_secondary_ops = {
	.dev_close = fo_secondary_close,
	.link_update = fo_secondary_link_update,
	.stats_get = fo_secondary_stats_get,
	.stats_reset = fo_secondary_stats_reset,
	/* The same fold as the primary's, of write-once profiles. */
	.dev_infos_get = fo_dev_infos_get,
	.xstats_get = fo_secondary_xstats_get,
	.xstats_get_names = fo_xstats_get_names,
	.xstats_reset = fo_secondary_xstats_reset,
	.eth_dev_priv_dump = fo_secondary_dump,
};

/* The application keeps its packets: see the top of the file. */
static uint16_t
fo_secondary_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	return 0;
}

int
fo_secondary_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;

	/* The devargs were the primary's to act on: nothing to parse here. */
	dev = rte_eth_dev_attach_secondary(name);
	if (dev == NULL) {
		rte_log(RTE_LOG_ERR, failover_logtype,
			"%s: no such port in the primary process\n", name);
		return -ENODEV;
	}
	dev->device = &vdev->device;
	dev->dev_ops = &failover_secondary_ops;
	dev->rx_pkt_burst = fo_secondary_burst;
	dev->tx_pkt_burst = fo_secondary_burst;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

/* @p dev is NULL when the port is gone already. */
int
fo_secondary_remove(struct rte_eth_dev *dev)
{
	return dev == NULL ? 0 : rte_eth_dev_release_port(dev);
}
