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
 * this replay: they need the device's own queue and start calls. The
 * driver passes no link_down op and sets the link down itself after the
 * start, which may bring a link up.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_JOURNAL_MACS 64
#define FO_JOURNAL_MC 128
#define FO_JOURNAL_RSS_KEY 64
#define FO_JOURNAL_RETA 512
#define FO_VLAN_IDS 4096

struct fo_mac {
	uint8_t b[6];
};

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

/* What replay calls; each returns 0 or a negative errno. */
struct fo_journal_ops {
	int (*mtu)(void *ctx, uint16_t mtu);
	int (*mac)(void *ctx, const struct fo_mac *mac);
	int (*mac_add)(void *ctx, const struct fo_mac *mac);
	int (*promisc)(void *ctx, bool on);
	int (*allmulti)(void *ctx, bool on);
	int (*mc_list)(void *ctx, const struct fo_mac *mc, uint16_t n);
	int (*vlan_offload)(void *ctx, int mask);
	int (*vlan_filter)(void *ctx, uint16_t vlan);
	int (*rss_hash)(void *ctx, uint64_t hf, const uint8_t *key,
			uint8_t key_len);
	int (*rss_reta)(void *ctx, const uint16_t *reta, uint16_t size);
	int (*link_down)(void *ctx);
};

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
