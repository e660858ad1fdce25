/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#ifndef FO_JOURNAL_H
#define FO_JOURNAL_H

/**
 * @file
 * The configuration journal: everything the application set on the
 * failover port that a returning sub-device must be given again, as plain
 * data, and its replay in a fixed order through callbacks.
 *
 * Replay order (documented in the NIC guide; each step runs only if the
 * journal holds something for it):
 *   1. mtu            5. allmulticast     9. rss_hash (functions and key)
 *   2. default MAC    6. multicast list  10. rss_reta
 *   3. extra MACs     7. VLAN offloads   11. link_down (administrative)
 *   4. promiscuous    8. VLAN filters
 * Configure, queue setup, start and queue states are the driver's, around
 * this replay: they need the device's own queue and start calls. Step 11
 * is the driver's too, after the start, which may bring a link up: it
 * calls the link op itself when link_down is set.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_JOURNAL_MACS 64
#define FO_JOURNAL_MC 128
#define FO_JOURNAL_RSS_KEY 64
#define FO_JOURNAL_RETA 512
#define FO_VLAN_IDS 4096

/* Aligned as ethdev's rte_ether_addr, which it is cast to and from. */
struct fo_mac {
	uint8_t b[6];
} __attribute__((aligned(2)));

/*
 * Some of this ethdev keeps in dev->data too (MTU, MAC addresses,
 * promiscuous and all-multicast modes), but only after the driver's op
 * has returned, outside the driver's lock: a sub-device that joins in
 * between would miss the setting. The journal is written in the same hold
 * of the lock that applies it. The rest (multicast list, VLAN filters,
 * RSS updates, RETA, administrative link state) ethdev does not keep.
 */
struct fo_journal {
	bool has_mtu;
	uint16_t mtu;
	bool has_mac;
	struct fo_mac mac;
	/* Extra unicast addresses, in the order added, without holes. */
	uint16_t nb_macs;
	struct fo_mac macs[FO_JOURNAL_MACS];
	bool promisc;
	bool allmulti;
	bool has_mc;
	uint16_t nb_mc;
	struct fo_mac mc[FO_JOURNAL_MC];
	bool has_vlan_offload;
	int vlan_offload;
	uint16_t nb_vlans;
	uint64_t vlans[FO_VLAN_IDS / 64];
	bool has_rss;
	uint64_t rss_hf;
	uint8_t rss_key_len;
	uint8_t rss_key[FO_JOURNAL_RSS_KEY];
	/* RETA as queue per entry; reta_size 0 when never set. */
	uint16_t reta_size;
	uint16_t reta[FO_JOURNAL_RETA];
	bool link_down;
};

/*
 * How each setting is applied to one sub-device: the one description of
 * it, which serves the replay and the application's operations (their
 * undo too). Each returns 0 or a negative errno.
 */
struct fo_journal_ops {
	int (*mtu)(void *ctx, uint16_t mtu);
	int (*mac)(void *ctx, const struct fo_mac *mac);
	int (*mac_add)(void *ctx, const struct fo_mac *mac);
	/* The undo of mac_add, and the application's removal: no replay. */
	int (*mac_del)(void *ctx, const struct fo_mac *mac);
	int (*promisc)(void *ctx, bool on);
	int (*allmulti)(void *ctx, bool on);
	int (*mc_list)(void *ctx, const struct fo_mac *mc, uint16_t n);
	int (*vlan_offload)(void *ctx, int mask);
	/* The replay sets the journal's filters, each with on true. */
	int (*vlan_filter)(void *ctx, uint16_t vlan, bool on);
	int (*rss_hash)(void *ctx, uint64_t hf, const uint8_t *key,
			uint8_t key_len);
	int (*rss_reta)(void *ctx, const uint16_t *reta, uint16_t size);
	/*
	 * Not replayed: the driver sets the link down after the start, which
	 * may bring it up (see the replay order above).
	 */
	int (*link)(void *ctx, bool up);
};

/* One setting and its value, as an operation applies it. */
enum fo_setting_id {
	FO_SET_MTU,
	FO_SET_MAC,
	FO_SET_MAC_ADD,
	FO_SET_MAC_DEL,
	FO_SET_PROMISC,
	FO_SET_ALLMULTI,
	FO_SET_MC_LIST,
	FO_SET_VLAN_OFFLOAD,
	FO_SET_VLAN_FILTER,
	FO_SET_RSS_HASH,
	FO_SET_RSS_RETA,
	FO_SET_LINK,
	FO_NB_SETTINGS,
};

struct fo_setting {
	enum fo_setting_id id;
	union {
		uint16_t mtu;
		/* FO_SET_MAC, FO_SET_MAC_ADD, FO_SET_MAC_DEL */
		const struct fo_mac *mac;
		/* FO_SET_PROMISC, FO_SET_ALLMULTI, FO_SET_LINK (up) */
		bool on;
		struct {
			const struct fo_mac *addrs;
			uint16_t n;
		} mc;
		int vlan_offload;
		struct {
			uint16_t id;
			bool on;
		} vlan;
		struct {
			uint64_t hf;
			const uint8_t *key;
			uint8_t key_len;
		} rss;
		struct {
			const uint16_t *table;
			uint16_t size;
		} reta;
	};
};

/** Apply @p s through @p ops; -ENOTSUP when @p ops has no such step. */
int fo_setting_apply(const struct fo_journal_ops *ops, void *ctx,
		const struct fo_setting *s);

/**
 * What @p s is, for a log line: its name, with on/off or up/down for a
 * mode ("promiscuous on", "link down", "mtu").
 */
void fo_setting_describe(const struct fo_setting *s, char *buf, size_t len);

void fo_journal_init(struct fo_journal *j);

void fo_journal_set_mtu(struct fo_journal *j, uint16_t mtu);
void fo_journal_set_mac(struct fo_journal *j, const uint8_t mac[6]);
/** Record an extra address; -ENOSPC when full, 0 when already there. */
int fo_journal_mac_add(struct fo_journal *j, const uint8_t mac[6]);
/** Forget an extra address; the later ones move up (no holes). */
void fo_journal_mac_del(struct fo_journal *j, const uint8_t mac[6]);
void fo_journal_set_promisc(struct fo_journal *j, bool on);
void fo_journal_set_allmulti(struct fo_journal *j, bool on);
int fo_journal_set_mc(struct fo_journal *j, const struct fo_mac *mc,
		uint16_t n);
void fo_journal_set_vlan_offload(struct fo_journal *j, int mask);
void fo_journal_set_vlan(struct fo_journal *j, uint16_t vlan, bool on);
bool fo_journal_has_vlan(const struct fo_journal *j, uint16_t vlan);
int fo_journal_set_rss(struct fo_journal *j, uint64_t hf,
		const uint8_t *key, uint8_t key_len);
int fo_journal_set_reta(struct fo_journal *j, const uint16_t *reta,
		uint16_t size);
void fo_journal_set_link_down(struct fo_journal *j, bool down);

/**
 * Replay the journal through @p ops, in the documented order; stop at the
 * first step that fails.
 *
 * @param failed
 *   On failure, the name of the setting that failed ("mtu", ...).
 * @return
 *   0, or the failing step's negative errno.
 */
int fo_journal_replay(const struct fo_journal *j,
		const struct fo_journal_ops *ops, void *ctx,
		const char **failed);

#endif /* FO_JOURNAL_H */
