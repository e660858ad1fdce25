/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fo_journal.h"

void
fo_journal_init(struct fo_journal *j)
{
	memset(j, 0, sizeof(*j));
}

void
fo_journal_set_mtu(struct fo_journal *j, uint16_t mtu)
{
	j->has_mtu = true;
	j->mtu = mtu;
}

void
fo_journal_set_mac(struct fo_journal *j, const uint8_t mac[6])
{
	j->has_mac = true;
	memcpy(j->mac.b, mac, sizeof(j->mac.b));
}

static int
fo_journal_mac_find(const struct fo_journal *j, const uint8_t mac[6])
{
	uint16_t i;

	for (i = 0; i < j->nb_macs; i++) {
		if (memcmp(j->macs[i].b, mac, 6) == 0)
			return i;
	}
	return -1;
}

int
fo_journal_mac_add(struct fo_journal *j, const uint8_t mac[6])
{
	if (fo_journal_mac_find(j, mac) >= 0)
		return 0;
	if (j->nb_macs == FO_JOURNAL_MACS)
		return -ENOSPC;
	memcpy(j->macs[j->nb_macs++].b, mac, 6);
	return 0;
}

void
fo_journal_mac_del(struct fo_journal *j, const uint8_t mac[6])
{
	int i = fo_journal_mac_find(j, mac);

	if (i < 0)
		return;
	j->nb_macs--;
	memmove(&j->macs[i], &j->macs[i + 1],
		(j->nb_macs - i) * sizeof(j->macs[0]));
}

void
fo_journal_set_promisc(struct fo_journal *j, bool on)
{
	j->promisc = on;
}

void
fo_journal_set_allmulti(struct fo_journal *j, bool on)
{
	j->allmulti = on;
}

int
fo_journal_set_mc(struct fo_journal *j, const struct fo_mac *mc, uint16_t n)
{
	if (n > FO_JOURNAL_MC)
		return -ENOSPC;
	j->has_mc = true;
	j->nb_mc = n;
	if (n > 0)
		memcpy(j->mc, mc, n * sizeof(*mc));
	return 0;
}

void
fo_journal_set_vlan_offload(struct fo_journal *j, int mask)
{
	j->has_vlan_offload = true;
	j->vlan_offload = mask;
}

bool
fo_journal_has_vlan(const struct fo_journal *j, uint16_t vlan)
{
	return vlan < FO_VLAN_IDS &&
		(j->vlans[vlan / 64] & (UINT64_C(1) << (vlan % 64))) != 0;
}

void
fo_journal_set_vlan(struct fo_journal *j, uint16_t vlan, bool on)
{
	uint64_t bit = UINT64_C(1) << (vlan % 64);

	if (vlan >= FO_VLAN_IDS || fo_journal_has_vlan(j, vlan) == on)
		return;
	if (on) {
		j->vlans[vlan / 64] |= bit;
		j->nb_vlans++;
	} else {
		j->vlans[vlan / 64] &= ~bit;
		j->nb_vlans--;
	}
}

int
fo_journal_set_rss(struct fo_journal *j, uint64_t hf, const uint8_t *key,
		uint8_t key_len)
{
	if (key_len > FO_JOURNAL_RSS_KEY)
		return -EINVAL;
	j->has_rss = true;
	j->rss_hf = hf;
	/* No key given: the one set before stays. */
	if (key != NULL && key_len > 0) {
		memcpy(j->rss_key, key, key_len);
		j->rss_key_len = key_len;
	}
	return 0;
}

int
fo_journal_set_reta(struct fo_journal *j, const uint16_t *reta, uint16_t size)
{
	if (size > FO_JOURNAL_RETA)
		return -EINVAL;
	memcpy(j->reta, reta, size * sizeof(*reta));
	j->reta_size = size;
	return 0;
}

void
fo_journal_set_link_down(struct fo_journal *j, bool down)
{
	j->link_down = down;
}

#define FO_STEP(name, cond, call) do { \
	if ((cond) && ops->name != NULL) { \
		ret = (call); \
		if (ret != 0) { \
			*failed = #name; \
			return ret; \
		} \
	} \
} while (0)

int
fo_journal_replay(const struct fo_journal *j,
		const struct fo_journal_ops *ops, void *ctx, const char **failed)
{
	uint16_t i;
	int ret;

	*failed = NULL;
	FO_STEP(mtu, j->has_mtu, ops->mtu(ctx, j->mtu));
	FO_STEP(mac, j->has_mac, ops->mac(ctx, &j->mac));
	for (i = 0; i < j->nb_macs; i++)
		FO_STEP(mac_add, true, ops->mac_add(ctx, &j->macs[i]));
	/* Always: a returning device may come up with either default. */
	FO_STEP(promisc, true, ops->promisc(ctx, j->promisc));
	FO_STEP(allmulti, true, ops->allmulti(ctx, j->allmulti));
	FO_STEP(mc_list, j->has_mc, ops->mc_list(ctx, j->mc, j->nb_mc));
	FO_STEP(vlan_offload, j->has_vlan_offload,
		ops->vlan_offload(ctx, j->vlan_offload));
	for (i = 0; j->nb_vlans > 0 && i < FO_VLAN_IDS; i++)
		FO_STEP(vlan_filter, fo_journal_has_vlan(j, i),
			ops->vlan_filter(ctx, i, true));
	FO_STEP(rss_hash, j->has_rss, ops->rss_hash(ctx, j->rss_hf,
		j->rss_key_len > 0 ? j->rss_key : NULL, j->rss_key_len));
	FO_STEP(rss_reta, j->reta_size > 0,
		ops->rss_reta(ctx, j->reta, j->reta_size));
	return 0;
}

#define FO_CALL(op, ...) \
	(ops->op != NULL ? ops->op(ctx, __VA_ARGS__) : -ENOTSUP)

int
fo_setting_apply(const struct fo_journal_ops *ops, void *ctx,
		const struct fo_setting *s)
{
	switch (s->id) {
	case FO_SET_MTU:
		return FO_CALL(mtu, s->mtu);
	case FO_SET_MAC:
		return FO_CALL(mac, s->mac);
	case FO_SET_MAC_ADD:
		return FO_CALL(mac_add, s->mac);
	case FO_SET_MAC_DEL:
		return FO_CALL(mac_del, s->mac);
	case FO_SET_PROMISC:
		return FO_CALL(promisc, s->on);
	case FO_SET_ALLMULTI:
		return FO_CALL(allmulti, s->on);
	case FO_SET_MC_LIST:
		return FO_CALL(mc_list, s->mc.addrs, s->mc.n);
	case FO_SET_VLAN_OFFLOAD:
		return FO_CALL(vlan_offload, s->vlan_offload);
	case FO_SET_VLAN_FILTER:
		return FO_CALL(vlan_filter, s->vlan.id, s->vlan.on);
	case FO_SET_RSS_HASH:
		return FO_CALL(rss_hash, s->rss.hf, s->rss.key,
			s->rss.key_len);
	case FO_SET_RSS_RETA:
		return FO_CALL(rss_reta, s->reta.table, s->reta.size);
	case FO_SET_LINK:
		return FO_CALL(link, s->on);
	case FO_NB_SETTINGS:
		break;
	}
	return -EINVAL;
}

#undef FO_CALL

void
fo_setting_describe(const struct fo_setting *s, char *buf, size_t len)
{
	static const char * const names[] = {
		[FO_SET_MTU] = "mtu",
		[FO_SET_MAC] = "default MAC",
		[FO_SET_MAC_ADD] = "MAC add",
		[FO_SET_MAC_DEL] = "MAC remove",
		[FO_SET_PROMISC] = "promiscuous",
		[FO_SET_ALLMULTI] = "allmulticast",
		[FO_SET_MC_LIST] = "multicast list",
		[FO_SET_VLAN_OFFLOAD] = "VLAN offload",
		[FO_SET_VLAN_FILTER] = "VLAN filter",
		[FO_SET_RSS_HASH] = "RSS hash",
		[FO_SET_RSS_RETA] = "RSS RETA",
		[FO_SET_LINK] = "link",
	};
	const char *mode = "";

	if (len == 0)
		return;
	if ((unsigned int)s->id >= sizeof(names) / sizeof(names[0])) {
		snprintf(buf, len, "setting %d", (int)s->id);
		return;
	}
	if (s->id == FO_SET_PROMISC || s->id == FO_SET_ALLMULTI)
		mode = s->on ? " on" : " off";
	else if (s->id == FO_SET_LINK)
		mode = s->on ? " up" : " down";
	snprintf(buf, len, "%s%s", names[s->id], mode);
}
