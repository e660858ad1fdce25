/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FO_DEVARGS_H
#define FO_DEVARGS_H

/**
 * @file
 * Parser of the failover device arguments.
 *
 * Plain C without EAL, so that unit tests and a fuzzer can drive it.
 * The syntax is DPDK's "key=value,key=value"; a sub-device value is either
 * a device name ("0000:00:04.0", "net_ring0") or a whole device string in
 * parentheses, "(net_virtio_user0,path=/run/vhost.sock)", whose own commas
 * do not split the outer list.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As RTE_DEV_NAME_MAX_LEN; checked by the driver at build time. */
#define FO_DEV_NAME_LEN 64
#define FO_DEV_ARGS_LEN 1024
#define FO_ERR_LEN 256

/* What the user said about one sub-device. */
struct fo_subdev_spec {
	/* Device name; empty when the key was not given. */
	char name[FO_DEV_NAME_LEN];
	/*
	 * The whole device string when given in parentheses: the driver probes
	 * it itself. Empty for a device named only (probed by someone else).
	 */
	char probe[FO_DEV_ARGS_LEN];
};

/* Which sub-devices RX polls while the primary carries TX. */
enum fo_standby_rx {
	/* Both, always: nothing the standby receives is lost (default). */
	FO_STANDBY_RX_ALWAYS = 0,
	/*
	 * The standby only while the primary is absent, and for drain_ms after
	 * each switch (the Linux rule, which avoids duplicates).
	 */
	FO_STANDBY_RX_ABSENT,
};

/* What TX does when no sub-device can carry it. */
enum fo_no_path {
	/* Free the packets and count them in oerrors (Linux; default). */
	FO_NO_PATH_DROP = 0,
	/* Return 0: the application keeps them and retries. */
	FO_NO_PATH_HOLD,
};

struct fo_devargs {
	struct fo_subdev_spec standby;
	struct fo_subdev_spec primary;
	bool has_mac;
	uint8_t mac[6];
	/* Period of the probe of an absent named primary; 0: events only. */
	uint32_t hotplug_poll_ms;
	/* Delay between a returning primary's start and TX moving to it. */
	uint32_t warmup_ms;
	enum fo_standby_rx standby_rx;
	uint32_t drain_ms;
	enum fo_no_path no_path;
	/* Probe any PCI device that appears, to match it by MAC. */
	bool probe_any;
	/*
	 * Make a virtio-net standby negotiate VIRTIO_NET_F_STANDBY, so that
	 * the hypervisor plugs the primary and waits for its release at
	 * migration (failover_virtio.c).
	 */
	bool negotiate_standby;
};

/* Defaults of the policy keys. */
#define FO_DRAIN_MS_DEFAULT 100

/**
 * Parse a failover device argument string (what follows "net_failover0,").
 *
 * @param str
 *   The arguments; NULL or "" is an error (standby is mandatory).
 * @param out
 *   Filled on success; left zeroed on error.
 * @param err
 *   On error, one line saying what is wrong, for the log.
 * @return
 *   0 on success, -EINVAL on a malformed string.
 */
int fo_devargs_parse(const char *str, struct fo_devargs *out,
		char err[FO_ERR_LEN]);

/** Parse "aa:bb:cc:dd:ee:ff"; 0 on success, -EINVAL otherwise. */
int fo_mac_parse(const char *str, size_t len, uint8_t mac[6]);

#endif /* FO_DEVARGS_H */
