/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <bus_driver.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_pci.h>
#include <rte_string_fns.h>

#include "failover_private.h"

enum fo_role
fo_sub_role_of_port(struct fo_priv *priv, uint16_t port_id)
{
	enum fo_role r;

	if (port_id == FO_PORT_NONE)
		return FO_ROLE_NONE;
	FO_FOREACH_ROLE(r) {
		if (__atomic_load_n(&priv->sub[r].port_id, __ATOMIC_ACQUIRE) ==
				port_id)
			return r;
	}
	return FO_ROLE_NONE;
}

/* The name EAL gives the device: "00:04.0" becomes "0000:00:04.0". */
static int
fo_canonical_name(const char *in, char *out, size_t len)
{
	struct rte_pci_addr addr;
	struct rte_devargs da;

	/* The PCI bus keeps names as typed; its ports use the long form. */
	if (rte_pci_addr_parse(in, &addr) == 0) {
		rte_pci_device_name(&addr, out, len);
		return 0;
	}
	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, in) != 0)
		return -ENODEV;
	rte_strscpy(out, da.name, len);
	rte_devargs_reset(&da);
	return 0;
}

/* Whether EAL was told of the device (-a, --vdev): it will be probed. */
static bool
fo_declared(const char *name)
{
	struct rte_devargs *da;

	char canon[RTE_DEV_NAME_MAX_LEN];

	/* EAL keeps names as typed: "-a 00:05.0" declares 0000:00:05.0. */
	RTE_EAL_DEVARGS_FOREACH(NULL, da) {
		if (fo_canonical_name(da->name, canon, sizeof(canon)) == 0 &&
				strcmp(canon, name) == 0)
			return true;
	}
	return false;
}

static struct rte_ether_addr *
fo_mac(struct fo_priv *priv)
{
	return &priv->dev->data->mac_addrs[0];
}

/*
 * A standby without a MAC address (all zeros, as net_ring's) defines no
 * failover MAC: the primary's is taken instead, and given to the standby.
 * A standby that cannot take it keeps none: it has no address of its own
 * to filter with, so it is kept, and said once.
 */
static void
fo_sub_learn_mac_locked(struct fo_priv *priv, const struct rte_ether_addr *mac)
{
	struct fo_sub *standby = &priv->sub[FO_STANDBY];
	char have[RTE_ETHER_ADDR_FMT_SIZE];
	int ret;

	rte_ether_addr_copy(mac, fo_mac(priv));
	rte_ether_format_addr(have, sizeof(have), mac);
	ret = rte_eth_dev_default_mac_addr_set(standby->port_id, fo_mac(priv));
	if (ret == 0) {
		FO_LOG(INFO, priv, "standby %s had no MAC address: it takes "
			"the primary's, %s", standby->dev_name, have);
		return;
	}
	FO_LOG(WARNING, priv, "standby %s has no MAC address and cannot take "
		"the primary's, %s (%s): it keeps none", standby->dev_name,
		have, rte_strerror(-ret));
}

/*
 * Apply the MAC rule to a candidate: the failover MAC is mac=, else the
 * standby's, else (a standby without one) the primary's. A named
 * sub-device with another MAC is set to the failover MAC, and refused if
 * it will not take it.
 */
static int
fo_sub_mac_check_locked(struct fo_priv *priv, enum fo_role role,
		uint16_t port_id)
{
	char want[RTE_ETHER_ADDR_FMT_SIZE], have[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr mac;
	int ret;

	ret = rte_eth_macaddr_get(port_id, &mac);
	if (ret != 0)
		return ret;
	if (rte_is_zero_ether_addr(fo_mac(priv))) {
		/*
		 * A named primary seen before the standby is checked when the
		 * standby arrives; one seen after a standby without a MAC
		 * gives the failover port its MAC.
		 */
		if (role == FO_STANDBY)
			rte_ether_addr_copy(&mac, fo_mac(priv));
		else if (priv->sub[FO_STANDBY].state >= FO_SUB_OWNED &&
				!rte_is_zero_ether_addr(&mac))
			fo_sub_learn_mac_locked(priv, &mac);
		return 0;
	}
	if (rte_is_same_ether_addr(&mac, fo_mac(priv)))
		return 0;
	ret = rte_eth_dev_default_mac_addr_set(port_id, fo_mac(priv));
	if (ret == 0)
		return 0;
	rte_ether_format_addr(want, sizeof(want), fo_mac(priv));
	rte_ether_format_addr(have, sizeof(have), &mac);
	FO_LOG(ERR, priv, "%s %s refused: its MAC %s differs from the failover "
		"MAC %s and setting it failed (%s)", fo_role_name(role),
		rte_eth_devices[port_id].data->name, have, want,
		rte_strerror(-ret));
	return FO_ERR_MAC_REFUSED;
}

/*
 * A candidate whose descriptor limits leave no ring size in common with
 * the other role's profile could never take the failover port's queues
 * with it: refused, rather than reporting a minimum above the maximum.
 */
static int
fo_sub_desc_lim_check_locked(struct fo_priv *priv, enum fo_role role,
		const char *name, const struct rte_eth_dev_info *info)
{
	enum fo_role o = role == FO_PRIMARY ? FO_STANDBY : FO_PRIMARY;
	const struct fo_sub *other = &priv->sub[o];
	const struct rte_eth_desc_lim *mine[2], *theirs[2];
	struct fo_desc_lim acc, lim;
	unsigned int d;

	if (!other->info_valid)
		return 0;
	mine[0] = &info->rx_desc_lim;
	mine[1] = &info->tx_desc_lim;
	theirs[0] = &other->info.rx_desc_lim;
	theirs[1] = &other->info.tx_desc_lim;
	for (d = 0; d < 2; d++) {
		acc = (struct fo_desc_lim){ mine[d]->nb_min, mine[d]->nb_max,
			mine[d]->nb_align };
		lim = (struct fo_desc_lim){ theirs[d]->nb_min,
			theirs[d]->nb_max, theirs[d]->nb_align };
		if (fo_desc_lim_intersect(&acc, &lim) == 0)
			continue;
		FO_LOG(ERR, priv, "%s %s refused: its %s descriptor limits "
			"%u..%u (align %u) leave no ring size in common with "
			"the %s's %u..%u (align %u)", fo_role_name(role), name,
			d == 0 ? "RX" : "TX", mine[d]->nb_min, mine[d]->nb_max,
			mine[d]->nb_align, fo_role_name(o),
			theirs[d]->nb_min, theirs[d]->nb_max,
			theirs[d]->nb_align);
		return -ERANGE;
	}
	return 0;
}

/*
 * Remember how to create the device again once it is gone: the string in
 * parentheses, else its name and the arguments EAL had for it.
 */
static void
fo_sub_keep_reprobe(struct fo_sub *sub, const struct fo_subdev_spec *spec,
		const struct rte_device *rdev)
{
	const struct rte_devargs *da = rte_dev_devargs(rdev);

	/* Only a primary named by primary= is one to bring back. */
	if (sub->role != FO_PRIMARY || spec->name[0] == '\0')
		return;
	if (spec->probe[0] != '\0')
		rte_strscpy(sub->reprobe, spec->probe, sizeof(sub->reprobe));
	else if (da != NULL && da->args != NULL && da->args[0] != '\0')
		snprintf(sub->reprobe, sizeof(sub->reprobe), "%s,%s",
			rte_dev_name(rdev), da->args);
	else
		rte_strscpy(sub->reprobe, rte_dev_name(rdev),
			sizeof(sub->reprobe));
}

/*
 * Record @p ev in the sub-device's state machine (lib/failover's table);
 * the caller carries out the action. An event the table does not allow in
 * the present state is a bug here: say so, and change nothing.
 */
enum fo_action
fo_sub_step_locked(struct fo_priv *priv, struct fo_sub *sub,
		enum fo_event ev)
{
	enum fo_sub_state was = sub->state;
	enum fo_action act = fo_sub_transition(&sub->state, ev);

	if (act == FO_ACT_INVALID)
		FO_LOG(ERR, priv, "%s %s: %s in state %s: no such transition",
			fo_role_name(sub->role), sub->dev_name,
			fo_event_name(ev), fo_state_name(was));
	return act;
}

/* Give a sub-device back to the application, stopped and unowned. */
static void
fo_sub_disown_locked(struct fo_priv *priv, struct fo_sub *sub)
{
	uint16_t port = sub->port_id;

	__atomic_store_n(&sub->port_id, FO_PORT_NONE, __ATOMIC_RELEASE);
	fo_sub_step_locked(priv, sub, FO_EV_DISOWNED);
	rte_eth_dev_owner_unset(port, priv->owner.id);
}

int
fo_sub_adopt_locked(struct fo_priv *priv, enum fo_role role, uint16_t port_id)
{
	struct fo_sub *sub = &priv->sub[role];
	struct rte_eth_dev_owner owner;
	struct rte_eth_dev_info info;
	const char *name = rte_eth_devices[port_id].data->name;
	int ret;

	if (port_id == priv->dev->data->port_id ||
			fo_sub_role_of_port(priv, port_id) != FO_ROLE_NONE) {
		FO_LOG(ERR, priv, "%s %s: already part of this port",
			fo_role_name(role), name);
		return -EBUSY;
	}
	ret = rte_eth_dev_owner_get(port_id, &owner);
	if (ret == 0 && owner.id != RTE_ETH_DEV_NO_OWNER &&
			owner.id != priv->owner.id) {
		FO_LOG(ERR, priv, "%s %s is owned by %s", fo_role_name(role),
			name, owner.name);
		return -EBUSY;
	}
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0) {
		FO_LOG(ERR, priv, "%s %s: cannot get device info (%s)",
			fo_role_name(role), name, rte_strerror(-ret));
		return ret;
	}
	ret = fo_sub_desc_lim_check_locked(priv, role, name, &info);
	if (ret != 0)
		return ret;
	ret = fo_sub_mac_check_locked(priv, role, port_id);
	if (ret != 0)
		return ret;
	if (role == FO_STANDBY && priv->args.negotiate_standby) {
		ret = fo_virtio_check(priv, port_id, &info);
		if (ret != 0)
			return ret;
	}
	/* Ownership first: from here the application cannot see the port. */
	ret = owner.id == priv->owner.id ? 0 :
		rte_eth_dev_owner_set(port_id, &priv->owner);
	if (ret != 0) {
		FO_LOG(ERR, priv, "%s %s: cannot take ownership (%s)",
			fo_role_name(role), name, rte_strerror(-ret));
		return ret;
	}
	if (!sub->info_valid) {
		sub->info = info;
		__atomic_store_n(&sub->info_valid, true, __ATOMIC_RELEASE);
	} else if (role == FO_PRIMARY) {
		priv->readoptions++;
	}
	fo_history_add_locked(priv, "%s is %s", fo_role_name(role), name);
	rte_strscpy(sub->dev_name, rte_dev_name(info.device),
		sizeof(sub->dev_name));
	fo_sub_keep_reprobe(sub, &priv->args.primary, info.device);
	sub->link_up = false;
	sub->failed_step = NULL;
	fo_sub_step_locked(priv, sub, FO_EV_ADOPTED);
	__atomic_store_n(&sub->port_id, port_id, __ATOMIC_RELEASE);
	/*
	 * A primary adopted before the failover MAC was known: check now. One
	 * already in use stays (logged); only an idle one is handed back.
	 */
	if (role == FO_STANDBY && priv->sub[FO_PRIMARY].state >= FO_SUB_OWNED &&
			fo_sub_mac_check_locked(priv, FO_PRIMARY,
				priv->sub[FO_PRIMARY].port_id) != 0 &&
			priv->sub[FO_PRIMARY].state == FO_SUB_OWNED)
		fo_sub_disown_locked(priv, &priv->sub[FO_PRIMARY]);
	FO_EV_LOG(INFO, priv, "%s is %s (port %u)", fo_role_name(role), name,
		port_id);
	return 0;
}

static bool
fo_spec_matches(const struct fo_subdev_spec *spec, const char *name)
{
	return spec->name[0] != '\0' && strcmp(spec->name, name) == 0;
}

/*
 * Find or probe the sub-device of one role at creation. A device that is
 * declared to EAL but not probed yet is adopted when its NEW event comes.
 */
static int
fo_sub_find_locked(struct fo_priv *priv, enum fo_role role,
		struct fo_subdev_spec *spec)
{
	struct fo_sub *sub = &priv->sub[role];
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t port_id;
	int ret;

	if (spec->probe[0] != '\0') {
		ret = rte_dev_probe(spec->probe);
		if (ret != 0 && ret != -EEXIST) {
			FO_LOG(ERR, priv, "%s: cannot probe \"%s\" (%s)",
				fo_role_name(role), spec->probe,
				rte_strerror(-ret));
			return ret;
		}
		sub->probed_here = ret == 0;
	}
	if (fo_canonical_name(spec->name, name, sizeof(name)) != 0) {
		FO_LOG(ERR, priv, "%s: no such device %s", fo_role_name(role),
			spec->name);
		return -ENODEV;
	}
	/* Events and ports speak of the canonical name. */
	rte_strscpy(spec->name, name, sizeof(spec->name));
	if (rte_eth_dev_get_port_by_name(name, &port_id) != 0) {
		if (fo_declared(name)) {
			FO_LOG(INFO, priv, "%s %s not probed yet: adopted when "
				"it is", fo_role_name(role), name);
			return 0;
		}
		/*
		 * A primary the poll will probe by name: what an application
		 * that cannot declare it again (Open vSwitch after its own
		 * detach) needs to get it back.
		 */
		if (role == FO_PRIMARY && priv->args.hotplug_poll_ms != 0) {
			FO_LOG(INFO, priv, "primary %s absent: probed every "
				"%u ms", name, priv->args.hotplug_poll_ms);
			return 0;
		}
		/*
		 * The hypervisor plugs it once the standby has negotiated
		 * STANDBY (its configure, below): its ADD event brings it.
		 */
		if (role == FO_PRIMARY && priv->args.negotiate_standby &&
				fo_is_pci(name)) {
			FO_LOG(INFO, priv, "primary %s absent: adopted when "
				"the hypervisor plugs it", name);
			return 0;
		}
		FO_LOG(ERR, priv, "%s: no such device %s", fo_role_name(role),
			name);
		return -ENODEV;
	}
	ret = fo_sub_adopt_locked(priv, role, port_id);
	if (ret != 0 && sub->probed_here) {
		/* Nothing of what we probed may outlive a refusal. */
		struct rte_device *rdev = rte_eth_devices[port_id].device;

		rte_eth_dev_close(port_id);
		rte_dev_remove(rdev);
		sub->probed_here = false;
	}
	return ret;
}

/*
 * In a port's NEW event, before it becomes visible: claim it if it is ours.
 * ethdev refuses most calls on it until the event returns, so the port data
 * is read directly; its owner is set through ethdev (which takes an
 * allocated port), and an application that owned it first keeps it. The
 * adoption proper (MAC rule, device info) is deferred.
 */
bool
fo_sub_claim(struct fo_priv *priv, uint16_t port_id)
{
	struct rte_eth_dev_data *data = rte_eth_devices[port_id].data;
	enum fo_role role = FO_ROLE_NONE;
	uint16_t none = FO_PORT_NONE;

	if (data == NULL || port_id == priv->dev->data->port_id)
		return false;
	if (fo_spec_matches(&priv->args.standby, data->name))
		role = FO_STANDBY;
	else if (fo_spec_matches(&priv->args.primary, data->name))
		role = FO_PRIMARY;
	else if (priv->args.primary.name[0] == '\0' &&
			data->mac_addrs != NULL &&
			!rte_is_zero_ether_addr(fo_mac(priv))) {
		if (rte_is_same_ether_addr(&data->mac_addrs[0], fo_mac(priv)))
			role = FO_PRIMARY;
		else
			FO_EV_LOG(INFO, priv, "port %u (%s) is not the "
				"failover MAC: not a primary", port_id,
				data->name);
	}
	if (role == FO_ROLE_NONE || data->owner.id != RTE_ETH_DEV_NO_OWNER)
		return false;
	if (!__atomic_compare_exchange_n(&priv->claimed[role], &none, port_id,
			false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		FO_EV_LOG(WARNING, priv, "port %u (%s) would be the %s, but "
			"another is being adopted: ignored", port_id,
			data->name, fo_role_name(role));
		return false;
	}
	if (rte_eth_dev_owner_set(port_id, &priv->owner) != 0) {
		__atomic_store_n(&priv->claimed[role], FO_PORT_NONE,
			__ATOMIC_RELEASE);
		return false;
	}
	return true;
}

/*
 * Whether the probe of a port is over. ethdev marks the port attached just
 * after its NEW event returns, and the vdev bus sets the device's driver
 * only after the driver's probe returns; rte_eth_dev_info_get() needs both.
 */
static bool
fo_port_probed(uint16_t port)
{
	return rte_eth_dev_is_valid_port(port) &&
		rte_eth_devices[port].device != NULL &&
		__atomic_load_n(&rte_eth_devices[port].device->driver,
			__ATOMIC_ACQUIRE) != NULL;
}

/* Adopt the ports claimed in NEW events; give back the ones refused. */
void
fo_sub_adopt_claimed_locked(struct fo_priv *priv)
{
	enum fo_role r;
	uint16_t port;

	FO_FOREACH_ROLE(r) {
		port = __atomic_load_n(&priv->claimed[r], __ATOMIC_ACQUIRE);
		if (port == FO_PORT_NONE)
			continue;
		if (!fo_port_probed(port)) {
			/*
			 * The probe that raised NEW may still be running in its
			 * own thread. Still ours: look again shortly. Released:
			 * forget it.
			 */
			if (rte_eth_devices[port].data != NULL &&
					rte_eth_devices[port].data->owner.id ==
					priv->owner.id) {
				fo_service_schedule(priv);
				continue;
			}
			__atomic_store_n(&priv->claimed[r], FO_PORT_NONE,
				__ATOMIC_RELEASE);
			continue;
		}
		__atomic_store_n(&priv->claimed[r], FO_PORT_NONE,
			__ATOMIC_RELEASE);
		if (priv->sub[r].state != FO_SUB_ABSENT) {
			FO_EV_LOG(WARNING, priv, "%s %s appeared while the %s "
				"is present: ignored", fo_role_name(r),
				rte_eth_devices[port].data->name,
				fo_role_name(r));
		} else if (fo_sub_adopt_locked(priv, r, port) == 0) {
			continue;
		}
		rte_eth_dev_owner_unset(port, priv->owner.id);
	}
}

int
fo_sub_init(struct fo_priv *priv)
{
	char s[RTE_DEV_NAME_MAX_LEN], p[RTE_DEV_NAME_MAX_LEN];
	uint16_t port_id;
	int ret;

	priv->sub[FO_PRIMARY].role = FO_PRIMARY;
	priv->sub[FO_STANDBY].role = FO_STANDBY;
	priv->sub[FO_PRIMARY].port_id = FO_PORT_NONE;
	priv->sub[FO_STANDBY].port_id = FO_PORT_NONE;
	priv->claimed[FO_PRIMARY] = FO_PORT_NONE;
	priv->claimed[FO_STANDBY] = FO_PORT_NONE;

	/* The parser compared names as typed; EAL knows them canonical. */
	if (priv->args.primary.name[0] != '\0' &&
			fo_canonical_name(priv->args.standby.name, s,
				sizeof(s)) == 0 &&
			fo_canonical_name(priv->args.primary.name, p,
				sizeof(p)) == 0 &&
			strcmp(s, p) == 0) {
		FO_LOG(ERR, priv, "standby and primary are the same device %s",
			s);
		return -EINVAL;
	}

	ret = fo_sub_find_locked(priv, FO_STANDBY, &priv->args.standby);
	if (ret != 0)
		return ret;
	/* Nothing else could give the failover port a MAC: say so now. */
	if (priv->args.primary.name[0] == '\0' &&
			priv->sub[FO_STANDBY].state >= FO_SUB_OWNED &&
			rte_is_zero_ether_addr(fo_mac(priv)))
		FO_LOG(WARNING, priv, "standby %s has no MAC address and no "
			"mac= is given: no port can be recognised as the primary "
			"by its MAC", priv->sub[FO_STANDBY].dev_name);
	if (priv->args.primary.name[0] != '\0') {
		ret = fo_sub_find_locked(priv, FO_PRIMARY, &priv->args.primary);
		/* A refused primary leaves the port running on the standby. */
		if (ret != 0 && ret != FO_ERR_MAC_REFUSED)
			return ret;
		return 0;
	}
	/*
	 * Without primary=, a port already there with our MAC is the one:
	 * the same rule, and code, as for a port that appears later.
	 */
	RTE_ETH_FOREACH_DEV(port_id) {
		if (fo_sub_claim(priv, port_id))
			fo_sub_adopt_claimed_locked(priv);
	}
	return 0;
}

void
fo_sub_stats_read_locked(struct fo_priv *priv, struct fo_sub *sub)
{
	struct rte_eth_stats st;

	RTE_BUILD_BUG_ON(sizeof(st) % sizeof(uint64_t) != 0 ||
		sizeof(st) / sizeof(uint64_t) > FO_STATS_MAX);
	if (sub->port_id == FO_PORT_NONE ||
			rte_eth_stats_get(sub->port_id, &st) != 0)
		return;
	fo_stats_update(&priv->stats, sub->role, (const uint64_t *)&st);
	/* ipackets .. rx_nombuf: the first eight, last known, for xstats. */
	memcpy(priv->role_stats[sub->role], &st,
		sizeof(priv->role_stats[sub->role]));
}

/* The failover port's configuration, as a sub-device can take it. */
static void
fo_sub_conf(uint16_t port_id, const struct rte_eth_conf *in,
		struct rte_eth_conf *out)
{
	uint32_t flags = rte_eth_devices[port_id].data->dev_flags;

	*out = *in;
	/* Events we need whether the application asked for them or not. */
	out->intr_conf.lsc = (flags & RTE_ETH_DEV_INTR_LSC) != 0;
	out->intr_conf.rmv = (flags & RTE_ETH_DEV_INTR_RMV) != 0;
	out->intr_conf.rxq = 0;
}

/*
 * Configure a sub-device as the failover port is. A virtio standby may
 * have initialized its device again in there, without STANDBY: given
 * back before its queues are set up (negotiate_standby).
 */
int
fo_sub_configure_locked(struct fo_priv *priv, struct fo_sub *sub)
{
	struct rte_eth_conf conf;
	int ret;

	fo_sub_conf(sub->port_id, &priv->conf, &conf);
	ret = rte_eth_dev_configure(sub->port_id, priv->nb_rxq, priv->nb_txq,
			&conf);
	if (ret == 0)
		ret = fo_virtio_negotiate_standby(priv, sub);
	return ret;
}

/*
 * Each setting, applied to one sub-device port (@p ctx): the one
 * description that the replay and the application's operations share.
 */
static int
fo_j_mtu(void *ctx, uint16_t mtu)
{
	uint16_t port = *(uint16_t *)ctx, cur;

	if (rte_eth_dev_get_mtu(port, &cur) == 0 && cur == mtu)
		return 0;
	return rte_eth_dev_set_mtu(port, mtu);
}

static int
fo_j_mac(void *ctx, const struct fo_mac *mac)
{
	uint16_t port = *(uint16_t *)ctx;
	struct rte_ether_addr cur;

	int ret;

	/* Untrusted VFs refuse any set, even of the address they have. */
	if (rte_eth_macaddr_get(port, &cur) != 0)
		memset(&cur, 0xff, sizeof(cur));
	if (memcmp(cur.addr_bytes, mac->b, RTE_ETHER_ADDR_LEN) == 0)
		return 0;
	ret = rte_eth_dev_default_mac_addr_set(port,
		(struct rte_ether_addr *)(uintptr_t)mac->b);
	/* A device without an address (net_ring) has none to change. */
	return ret == -ENOTSUP && rte_is_zero_ether_addr(&cur) ? 0 : ret;
}

static int
fo_j_mac_add(void *ctx, const struct fo_mac *mac)
{
	return rte_eth_dev_mac_addr_add(*(uint16_t *)ctx,
		(struct rte_ether_addr *)(uintptr_t)mac->b, 0);
}

static int
fo_j_mac_del(void *ctx, const struct fo_mac *mac)
{
	return rte_eth_dev_mac_addr_remove(*(uint16_t *)ctx,
		(struct rte_ether_addr *)(uintptr_t)mac->b);
}

/* A device without the op has no filter: it receives everything anyway. */
static int
fo_j_promisc(void *ctx, bool on)
{
	uint16_t port = *(uint16_t *)ctx;
	int ret = on ? rte_eth_promiscuous_enable(port) :
		rte_eth_promiscuous_disable(port);

	return ret == -ENOTSUP ? 0 : ret;
}

static int
fo_j_allmulti(void *ctx, bool on)
{
	uint16_t port = *(uint16_t *)ctx;
	int ret = on ? rte_eth_allmulticast_enable(port) :
		rte_eth_allmulticast_disable(port);

	return ret == -ENOTSUP ? 0 : ret;
}

static int
fo_j_mc_list(void *ctx, const struct fo_mac *mc, uint16_t n)
{
	return rte_eth_dev_set_mc_addr_list(*(uint16_t *)ctx,
		(struct rte_ether_addr *)(uintptr_t)mc, n);
}

static int
fo_j_vlan_offload(void *ctx, int mask)
{
	return rte_eth_dev_set_vlan_offload(*(uint16_t *)ctx, mask);
}

static int
fo_j_vlan_filter(void *ctx, uint16_t vlan, bool on)
{
	return rte_eth_dev_vlan_filter(*(uint16_t *)ctx, vlan, on);
}

static int
fo_j_rss_hash(void *ctx, uint64_t hf, const uint8_t *key, uint8_t key_len)
{
	struct rte_eth_rss_conf conf = {
		.rss_key = (uint8_t *)(uintptr_t)key,
		.rss_key_len = key_len,
		.rss_hf = hf,
	};

	return rte_eth_dev_rss_hash_update(*(uint16_t *)ctx, &conf);
}

static int
fo_j_rss_reta(void *ctx, const uint16_t *reta, uint16_t size)
{
	struct rte_eth_rss_reta_entry64 conf[FO_JOURNAL_RETA /
		RTE_ETH_RETA_GROUP_SIZE];
	uint16_t i;

	memset(conf, 0, sizeof(conf));
	for (i = 0; i < size; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
			UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i %
			RTE_ETH_RETA_GROUP_SIZE] = reta[i];
	}
	return rte_eth_dev_rss_reta_update(*(uint16_t *)ctx, conf, size);
}

static int
fo_j_link(void *ctx, bool up)
{
	uint16_t port = *(uint16_t *)ctx;

	return up ? rte_eth_dev_set_link_up(port) :
		rte_eth_dev_set_link_down(port);
}

const struct fo_journal_ops fo_settings = {
	.mtu = fo_j_mtu,
	.mac = fo_j_mac,
	.mac_add = fo_j_mac_add,
	.mac_del = fo_j_mac_del,
	.promisc = fo_j_promisc,
	.allmulti = fo_j_allmulti,
	.mc_list = fo_j_mc_list,
	.vlan_offload = fo_j_vlan_offload,
	.vlan_filter = fo_j_vlan_filter,
	.rss_hash = fo_j_rss_hash,
	.rss_reta = fo_j_rss_reta,
	.link = fo_j_link,
};

/* Queue setup like the failover port's, on the sub-device's own socket. */
static int
fo_sub_queues_setup(struct fo_priv *priv, uint16_t port, const char **step)
{
	int socket = rte_eth_dev_socket_id(port);
	struct fo_queue *q;
	uint16_t i;
	int ret = 0;

	for (i = 0; ret == 0 && i < priv->nb_rxq; i++) {
		*step = "rx queue setup";
		q = priv->rxq[i];
		if (q != NULL)
			ret = rte_eth_rx_queue_setup(port, i, q->nb_desc,
				socket >= 0 ? (unsigned int)socket :
				q->socket_id, &q->rx_conf, q->mp);
	}
	for (i = 0; ret == 0 && i < priv->nb_txq; i++) {
		*step = "tx queue setup";
		q = priv->txq[i];
		if (q != NULL)
			ret = rte_eth_tx_queue_setup(port, i, q->nb_desc,
				socket >= 0 ? (unsigned int)socket :
				q->socket_id, &q->tx_conf);
	}
	return ret;
}

/* Queues the application stopped stay stopped on the newcomer. */
static int
fo_sub_queue_states(struct fo_priv *priv, uint16_t port, const char **step)
{
	struct rte_eth_dev_data *data = priv->dev->data;
	struct fo_queue *q;
	uint16_t i;
	int ret = 0;

	*step = "queue state";
	/*
	 * The newcomer's queues as the failover port's are now: stopped ones
	 * stopped, and deferred-start ones the application started, started.
	 */
	for (i = 0; ret == 0 && i < priv->nb_rxq; i++) {
		q = priv->rxq[i];
		if (data->rx_queue_state[i] == RTE_ETH_QUEUE_STATE_STOPPED)
			ret = rte_eth_dev_rx_queue_stop(port, i);
		else if (q != NULL && q->rx_conf.rx_deferred_start)
			ret = rte_eth_dev_rx_queue_start(port, i);
	}
	for (i = 0; ret == 0 && i < priv->nb_txq; i++) {
		q = priv->txq[i];
		if (data->tx_queue_state[i] == RTE_ETH_QUEUE_STATE_STOPPED)
			ret = rte_eth_dev_tx_queue_stop(port, i);
		else if (q != NULL && q->tx_conf.tx_deferred_start)
			ret = rte_eth_dev_tx_queue_start(port, i);
	}
	/*
	 * Without per-queue stop, the application could not have stopped the
	 * queue while this device was there either.
	 */
	return ret == -ENOTSUP ? 0 : ret;
}

/*
 * Bring a sub-device to the failover port's state, off the datapath:
 * configure, queues, the journal in its documented order, start, queue
 * states. It joins the paths only when the caller publishes them. A step
 * that fails is logged by name and the device stays out (owned, not
 * started); the next event or poll tries again.
 */
int
fo_sub_bring_up_locked(struct fo_priv *priv, struct fo_sub *sub)
{
	uint16_t port = sub->port_id;
	const char *step = "configure";
	int ret = 0;

	if (!priv->configured)
		return 0;
	if (sub->state < FO_SUB_CONFIGURED) {
		ret = fo_sub_configure_locked(priv, sub);
		if (ret == 0)
			ret = fo_sub_queues_setup(priv, port, &step);
		if (ret == 0)
			ret = fo_journal_replay(&priv->journal,
				&fo_settings, &port, &step);
		if (ret != 0)
			goto fail;
		fo_sub_step_locked(priv, sub, FO_EV_CONFIGURED);
	}
	if (priv->started && sub->state < FO_SUB_STARTED) {
		step = "start";
		ret = rte_eth_dev_start(port);
		if (ret == 0)
			ret = fo_sub_queue_states(priv, port, &step);
		/* After the start, which may bring the link up. */
		if (ret == 0 && priv->journal.link_down) {
			step = "link down";
			ret = fo_j_link(&port, false);
		}
		if (ret != 0) {
			rte_eth_dev_stop(port);
			goto fail;
		}
		fo_sub_step_locked(priv, sub, FO_EV_STARTED);
		sub->failed_step = NULL;
		sub->tx_after = rte_get_timer_cycles() +
			rte_get_timer_hz() * priv->args.warmup_ms / 1000;
	}
	return 0;
fail:
	/* Retried on every event and poll tick: say it once per cause. */
	if (step != sub->failed_step || ret != sub->failed_ret) {
		if (sub->role == FO_PRIMARY)
			priv->readoption_failures++;
		fo_history_add_locked(priv, "%s %s not brought up: %s failed",
			fo_role_name(sub->role),
			rte_eth_devices[port].data->name, step);
	}
	if (step != sub->failed_step || ret != sub->failed_ret)
		FO_LOG(ERR, priv, "%s %s not brought up: %s failed (%s); "
			"retried on the next event", fo_role_name(sub->role),
			rte_eth_devices[port].data->name, step,
			rte_strerror(-ret));
	sub->failed_step = step;
	sub->failed_ret = ret;
	/* A half-replayed device is configured from scratch next time. */
	fo_sub_step_locked(priv, sub, FO_EV_UNCONFIGURED);
	return ret;
}

/*
 * Let go of a sub-device that is out of every datapath: stop its port and,
 * after a removal, remove the device so that a hot-unplug can complete;
 * otherwise close the port. Its counters are folded into the failover
 * totals first.
 *
 * In two halves. The first, under the lock, stops (or closes) the port.
 * The second removes the device, without the lock: a bus's remove runs
 * under the bus's device-list lock, and an application detaching a
 * sub-device holds that lock while our detach notice waits for ours.
 * Removing under our lock deadlocked against such a detach, and closing
 * the port outside it raced with the application's own removal of the
 * device (a double close). So the port is never closed before a removal:
 * the driver's remove closes it, and the device is named, not pointed to,
 * since the application may have removed it first.
 */
void
fo_sub_release_begin_locked(struct fo_priv *priv, struct fo_sub *sub,
		struct fo_release *rel)
{
	uint16_t port = sub->port_id;
	struct rte_device *rdev;

	memset(rel, 0, sizeof(*rel));
	rel->stop_port = FO_PORT_NONE;
	if (port != FO_PORT_NONE) {
		fo_sub_stats_read_locked(priv, sub);
		fo_stats_retire(&priv->stats, sub->role);
		rdev = rte_eth_devices[port].device;
		/*
		 * After a removal the device goes too: vfio completes the
		 * unplug only once it is released. On close, devices we probed
		 * go as well; the devices of ports the application named stay
		 * for EAL to clean up. Never while the bus itself is removing
		 * us: it may be walking its device list (EAL cleanup).
		 */
		rel->remove = (sub->state == FO_SUB_REMOVING ||
			sub->probed_here) && !priv->bus_removing;
		/* Our own close or remove raises DESTROY: not a removal. */
		__atomic_store_n(&sub->port_id, FO_PORT_NONE,
			__ATOMIC_RELEASE);
		if (rel->remove) {
			rte_strscpy(rel->name, rte_dev_name(rdev),
				sizeof(rel->name));
			rte_strscpy(rel->bus, rte_bus_name(rte_dev_bus(rdev)),
				sizeof(rel->bus));
		}
		/*
		 * A removed PCI device is stopped by the hotplug owner, not
		 * under the lock (failover_owner.c): a vanished one takes
		 * seconds.
		 */
		if (rte_eth_devices[port].data->dev_started) {
			if (rel->remove && strcmp(rel->bus, "pci") == 0)
				rel->stop_port = port;
			else
				rte_eth_dev_stop(port);
		}
		if (!rel->remove)
			rte_eth_dev_close(port);
		FO_EV_LOG(INFO, priv, "%s released", fo_role_name(sub->role));
		fo_history_add_locked(priv, "%s released",
			fo_role_name(sub->role));
	}
	sub->probed_here = false;
	fo_sub_step_locked(priv, sub, FO_EV_RELEASED);
	sub->link_up = false;
}

/* A bus's find_device() comparison by device name. */
int
fo_dev_name_cmp(const struct rte_device *dev, const void *name)
{
	return strcmp(rte_dev_name(dev), name);
}

/* Without the lock: remove the device, unless someone else did already. */
void
fo_sub_release_finish(const char *name, const struct fo_release *rel)
{
	struct rte_bus *bus;
	int ret, tries;

	if (!rel->remove)
		return;
	bus = rte_bus_find_by_name(rel->bus);
	/* Asked quietly first: the application's detach may have won. */
	if (bus == NULL || bus->find_device(NULL, fo_dev_name_cmp,
			rel->name) == NULL)
		return;
	/*
	 * Stopped first, as an application would. The port is still this
	 * device's: nothing can take its id before the device goes.
	 */
	if (rel->stop_port != FO_PORT_NONE &&
			rte_eth_devices[rel->stop_port].device != NULL &&
			strcmp(rte_dev_name(rte_eth_devices[rel->stop_port].device),
				rel->name) == 0)
		rte_eth_dev_stop(rel->stop_port);
	/*
	 * EAL asks every secondary process first and gives up, changing
	 * nothing, when one vanishes before it answers or fails to detach
	 * (a proc-info killed or starting): the device must still go, vfio
	 * completes an unplug only then.
	 */
	for (tries = 0; tries < FO_HOTPLUG_TRIES; tries++) {
		ret = rte_eal_hotplug_remove(rel->bus, rel->name);
		if (ret == 0 || bus->find_device(NULL, fo_dev_name_cmp,
				rel->name) == NULL)
			break;
		rte_delay_us_sleep(FO_HOTPLUG_RETRY_MS * 1000);
	}
	/* A vanished PCI device takes seconds: say when it is gone. */
	if (ret == 0)
		rte_log(RTE_LOG_INFO, failover_event_logtype,
			"%s: %s removed\n", name, rel->name);
	else
		rte_log(RTE_LOG_INFO, failover_event_logtype,
			"%s: removal of %s: %s\n", name, rel->name,
			rte_strerror(-ret));
}

/*
 * On close and on a failed creation, ports the application probed go back
 * to it, stopped and unowned, as bonding gives back its members: the
 * application may build a failover port over them again (Open vSwitch
 * does, on del-port and add-port). What the PMD probed itself is closed and
 * removed, and so is a device being removed. The removals are left in
 * @p rel for after the lock.
 */
void
fo_sub_uninit_locked(struct fo_priv *priv, struct fo_release rel[FO_NB_ROLES])
{
	enum fo_role r;

	FO_FOREACH_ROLE(r) {
		struct fo_sub *sub = &priv->sub[r];

		memset(&rel[r], 0, sizeof(rel[r]));
		if (!sub->probed_here && sub->port_id != FO_PORT_NONE &&
				sub->state != FO_SUB_REMOVING) {
			if (rte_eth_devices[sub->port_id].data->dev_started)
				rte_eth_dev_stop(sub->port_id);
			fo_sub_disown_locked(priv, sub);
		} else {
			fo_sub_release_begin_locked(priv, sub, &rel[r]);
		}
	}
}
