/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * VIRTIO_NET_F_STANDBY for a virtio-net standby (negotiate_standby=1).
 *
 * With QEMU's failover=on on the virtio-net device and failover_pair_id on
 * the primary (libvirt's <teaming>), QEMU keeps the primary hidden until
 * the guest's driver writes a feature set with STANDBY (bit 62), holds a
 * migration in wait-unplug until the guest releases the primary only while
 * the device's current features have it, and plugs the primary on the
 * destination only if the migrated features have it. DPDK's virtio PMD
 * (22.11 to 25.11) never asks for it and has no devarg that adds a bit.
 *
 * So the failover port runs the feature handshake again, itself, on the
 * device's modern common configuration (virtio 1.x, 4.1.4.3), the moment
 * after each rte_eth_dev_configure() of the standby:
 *
 *  - That is the only other place the virtio PMD initializes the device
 *    (virtio_init_device(): reset, negotiate, program every queue,
 *    DRIVER_OK), besides its probe; it does so when the requested features
 *    change, when it has no queues, or with Rx interrupts. Whether it did
 *    is read from the device: a driver-feature register without STANDBY.
 *    With STANDBY still there, the device is left alone.
 *  - Right after that initialization no queue holds a buffer: the PMD
 *    fills the Rx rings in its start, and sends control commands only from
 *    its start and later operations. A reset then loses nothing, and the
 *    device's ring indexes (0 after it) still match the driver's. This is
 *    checked, not assumed: every enabled split ring must read idx 0 in
 *    both its driver and device areas, else the device is not touched.
 *  - What the PMD programmed is read back from the device (queue sizes,
 *    ring addresses, MSI-X vectors) and written again after the reset in
 *    the order the specification gives, so nothing of the PMD's own state
 *    is read or written: the PMD never learns that the handshake ran
 *    twice, and its queues, notify addresses and interrupts stay valid.
 *  - If the device refuses the new set (FEATURES_OK does not stick), the
 *    PMD's own set is negotiated again the same way: the device is never
 *    left half-initialized.
 *
 * Refused with a clear error: a standby that is not a virtio-net PCI
 * device, a device the PMD drives through the legacy interface (no
 * VERSION_1, or no modern capability), packed rings, and DPDK releases
 * whose virtio PMD this reasoning was not checked against
 * (FO_VIRTIO_PMD_KNOWN in failover_compat.h). A device that does not
 * offer STANDBY (QEMU without failover=on) is left as the PMD set it.
 *
 * Only the primary process touches the device; the PMD's datapath is not
 * running (the port is stopped while it is configured).
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_io.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_bus.h>
#include <rte_bus_pci.h>
#include <rte_version.h>

#include "failover_private.h"

/* Virtio 1.x, from the specification. */
#define FO_VIRTIO_F_VERSION_1 32
#define FO_VIRTIO_F_RING_PACKED 34
#define FO_VIRTIO_NET_F_STANDBY 62

#define FO_VIRTIO_S_ACK 0x01
#define FO_VIRTIO_S_DRIVER 0x02
#define FO_VIRTIO_S_DRIVER_OK 0x04
#define FO_VIRTIO_S_FEATURES_OK 0x08
#define FO_VIRTIO_S_NEEDS_RESET 0x40
#define FO_VIRTIO_S_FAILED 0x80

#define FO_VIRTIO_NO_VECTOR 0xffff

/* PCI capability walk: vendor capability, type common configuration. */
#define FO_PCI_STATUS 0x06
#define FO_PCI_STATUS_CAP_LIST 0x10
#define FO_PCI_CAP_PTR 0x34
#define FO_PCI_CAP_VNDR 0x09
#define FO_VIRTIO_PCI_CAP_COMMON 1
#define FO_PCI_MAX_CAPS 48

/* struct virtio_pci_common_cfg, by offset. */
#define FO_CC_DFSELECT 0x00
#define FO_CC_DF 0x04
#define FO_CC_GFSELECT 0x08
#define FO_CC_GF 0x0c
#define FO_CC_MSIX 0x10
#define FO_CC_NUMQ 0x12
#define FO_CC_STATUS 0x14
#define FO_CC_Q_SELECT 0x16
#define FO_CC_Q_SIZE 0x18
#define FO_CC_Q_MSIX 0x1a
#define FO_CC_Q_ENABLE 0x1c
#define FO_CC_Q_DESC 0x20
#define FO_CC_Q_DRIVER 0x28
#define FO_CC_Q_DEVICE 0x30
#define FO_CC_LEN 0x38

/* The PMD allocates at most this many (queue pairs and control queue). */
#define FO_VIRTIO_MAX_QUEUES 1024

/* The split rings' idx, after their 16-bit flags. */
#define FO_RING_IDX_OFF 2

/* A reset completes when the status reads 0 (QEMU: at once). */
#define FO_VIRTIO_RESET_WAIT_US 1000000

struct fo_vq_regs {
	uint16_t size;
	uint16_t msix;
	uint64_t desc;
	uint64_t driver;
	uint64_t device;
};

/* What the virtio PMD programmed, as the device reports it. */
struct fo_virtio_setup {
	uint8_t *cc;
	uint64_t device_features;
	uint64_t driver_features;
	uint16_t config_msix;
	uint16_t nb_queues;
	struct fo_vq_regs *vq;
};

static uint64_t
fo_cc_features(uint8_t *cc, unsigned int select_off, unsigned int off)
{
	uint64_t f;

	rte_write32(0, cc + select_off);
	f = rte_read32(cc + off);
	rte_write32(1, cc + select_off);
	return f | (uint64_t)rte_read32(cc + off) << 32;
}

static void
fo_cc_write64(uint8_t *cc, unsigned int off, uint64_t v)
{
	rte_write32((uint32_t)v, cc + off);
	rte_write32((uint32_t)(v >> 32), cc + off + 4);
}

static uint64_t
fo_cc_read64(uint8_t *cc, unsigned int off)
{
	return rte_read32(cc + off) |
		(uint64_t)rte_read32(cc + off + 4) << 32;
}

/*
 * The common configuration, in the BAR the virtio PMD mapped; NULL when
 * the device has none (a legacy device).
 */
static uint8_t *
fo_virtio_common_cfg(struct rte_pci_device *pdev)
{
	uint8_t cap[16];
	uint16_t status;
	uint8_t pos;
	int i;

	if (rte_pci_read_config(pdev, &status, sizeof(status),
			FO_PCI_STATUS) != sizeof(status) ||
			!(rte_le_to_cpu_16(status) & FO_PCI_STATUS_CAP_LIST))
		return NULL;
	if (rte_pci_read_config(pdev, &pos, 1, FO_PCI_CAP_PTR) != 1)
		return NULL;
	for (i = 0; i < FO_PCI_MAX_CAPS && pos != 0; i++) {
		uint32_t offset, length;
		uint8_t bar;

		if (rte_pci_read_config(pdev, cap, sizeof(cap), pos) !=
				sizeof(cap))
			return NULL;
		/* cap_vndr, cap_next, cap_len, cfg_type, bar, ..., offset */
		if (cap[0] == FO_PCI_CAP_VNDR &&
				cap[3] == FO_VIRTIO_PCI_CAP_COMMON) {
			bar = cap[4];
			/* little-endian in configuration space */
			offset = cap[8] | cap[9] << 8 | cap[10] << 16 |
				(uint32_t)cap[11] << 24;
			length = cap[12] | cap[13] << 8 | cap[14] << 16 |
				(uint32_t)cap[15] << 24;
			if (bar >= PCI_MAX_RESOURCE ||
					pdev->mem_resource[bar].addr == NULL ||
					length < FO_CC_LEN ||
					(uint64_t)offset + FO_CC_LEN >
					pdev->mem_resource[bar].len)
				return NULL;
			return (uint8_t *)pdev->mem_resource[bar].addr + offset;
		}
		pos = cap[1];
	}
	return NULL;
}

/* A split ring's idx at @iova; -1 if that memory is not DPDK's. */
static int
fo_ring_idx(uint64_t iova)
{
	const uint8_t *va = rte_mem_iova2virt(iova);
	uint16_t idx;

	if (va == NULL)
		return -1;
	memcpy(&idx, va + FO_RING_IDX_OFF, sizeof(idx));
	return rte_le_to_cpu_16(idx);
}

/*
 * Read what the PMD set up, and check it is a state a reset cannot harm.
 * 0: go on; 1: nothing to do (STANDBY negotiated, or not offered);
 * negative: refused, said in the log.
 */
static int
fo_virtio_read_setup(struct fo_priv *priv, const char *name,
		struct fo_virtio_setup *s)
{
	uint8_t status = rte_read8(s->cc + FO_CC_STATUS);
	uint16_t q;

	if (!(status & FO_VIRTIO_S_DRIVER_OK) ||
			(status & (FO_VIRTIO_S_FAILED |
				   FO_VIRTIO_S_NEEDS_RESET))) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s is not "
			"running (virtio status 0x%02x)", name, status);
		return -EIO;
	}
	s->device_features = fo_cc_features(s->cc, FO_CC_DFSELECT, FO_CC_DF);
	s->driver_features = fo_cc_features(s->cc, FO_CC_GFSELECT, FO_CC_GF);
	/*
	 * A transitional device driven through its legacy registers shows
	 * nothing here: what the PMD negotiated is not in the modern ones.
	 */
	if (!(s->driver_features & RTE_BIT64(FO_VIRTIO_F_VERSION_1))) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s is driven "
			"as a legacy virtio device: not supported", name);
		return -ENOTSUP;
	}
	if (s->driver_features & RTE_BIT64(FO_VIRTIO_NET_F_STANDBY))
		return 1;
	if (!(s->device_features & RTE_BIT64(FO_VIRTIO_NET_F_STANDBY))) {
		FO_LOG(NOTICE, priv, "negotiate_standby: standby %s does not "
			"offer VIRTIO_NET_F_STANDBY (QEMU: failover=on): left "
			"as it is", name);
		return 1;
	}
	if (s->driver_features & RTE_BIT64(FO_VIRTIO_F_RING_PACKED)) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s uses packed "
			"rings: not supported", name);
		return -ENOTSUP;
	}
	s->config_msix = rte_read16(s->cc + FO_CC_MSIX);
	s->nb_queues = rte_read16(s->cc + FO_CC_NUMQ);
	if (s->nb_queues == 0 || s->nb_queues > FO_VIRTIO_MAX_QUEUES) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s has %u "
			"queues", name, s->nb_queues);
		return -EIO;
	}
	s->vq = rte_zmalloc("fo_virtio", sizeof(*s->vq) * s->nb_queues, 0);
	if (s->vq == NULL)
		return -ENOMEM;
	for (q = 0; q < s->nb_queues; q++) {
		struct fo_vq_regs *r = &s->vq[q];

		rte_write16(q, s->cc + FO_CC_Q_SELECT);
		if (rte_read16(s->cc + FO_CC_Q_ENABLE) == 0)
			continue;
		r->size = rte_read16(s->cc + FO_CC_Q_SIZE);
		r->msix = rte_read16(s->cc + FO_CC_Q_MSIX);
		r->desc = fo_cc_read64(s->cc, FO_CC_Q_DESC);
		r->driver = fo_cc_read64(s->cc, FO_CC_Q_DRIVER);
		r->device = fo_cc_read64(s->cc, FO_CC_Q_DEVICE);
		if (fo_ring_idx(r->driver) != 0 ||
				fo_ring_idx(r->device) != 0) {
			FO_LOG(ERR, priv, "negotiate_standby: queue %u of "
				"standby %s is in use: not reset", q, name);
			return -EBUSY;
		}
	}
	return 0;
}

/* Reset, negotiate @features, program the queues as read, DRIVER_OK. */
static int
fo_virtio_handshake(const struct fo_virtio_setup *s, uint64_t features)
{
	uint8_t *cc = s->cc;
	unsigned int waited = 0;
	uint8_t status;
	uint16_t q;

	rte_write8(0, cc + FO_CC_STATUS);
	while (rte_read8(cc + FO_CC_STATUS) != 0) {
		if (waited >= FO_VIRTIO_RESET_WAIT_US)
			return -ETIMEDOUT;
		rte_delay_us_sleep(100);
		waited += 100;
	}
	rte_write8(FO_VIRTIO_S_ACK, cc + FO_CC_STATUS);
	status = FO_VIRTIO_S_ACK | FO_VIRTIO_S_DRIVER;
	rte_write8(status, cc + FO_CC_STATUS);
	rte_write32(0, cc + FO_CC_GFSELECT);
	rte_write32((uint32_t)features, cc + FO_CC_GF);
	rte_write32(1, cc + FO_CC_GFSELECT);
	rte_write32((uint32_t)(features >> 32), cc + FO_CC_GF);
	status |= FO_VIRTIO_S_FEATURES_OK;
	rte_write8(status, cc + FO_CC_STATUS);
	if (!(rte_read8(cc + FO_CC_STATUS) & FO_VIRTIO_S_FEATURES_OK))
		return -ENOTSUP;
	for (q = 0; q < s->nb_queues; q++) {
		const struct fo_vq_regs *r = &s->vq[q];

		if (r->size == 0)
			continue;
		rte_write16(q, cc + FO_CC_Q_SELECT);
		rte_write16(r->size, cc + FO_CC_Q_SIZE);
		rte_write16(r->msix, cc + FO_CC_Q_MSIX);
		if (rte_read16(cc + FO_CC_Q_MSIX) != r->msix)
			return -EIO;
		fo_cc_write64(cc, FO_CC_Q_DESC, r->desc);
		fo_cc_write64(cc, FO_CC_Q_DRIVER, r->driver);
		fo_cc_write64(cc, FO_CC_Q_DEVICE, r->device);
		rte_write16(1, cc + FO_CC_Q_ENABLE);
	}
	rte_write16(s->config_msix, cc + FO_CC_MSIX);
	if (rte_read16(cc + FO_CC_MSIX) != s->config_msix)
		return -EIO;
	rte_write8(status | FO_VIRTIO_S_DRIVER_OK, cc + FO_CC_STATUS);
	return 0;
}

/* The device of @port, if a virtio-net PCI device (@driver); else NULL. */
static struct rte_pci_device *
fo_virtio_pci(uint16_t port, const char *driver)
{
	struct rte_device *rdev = rte_eth_devices[port].device;

	if (rdev == NULL || strcmp(rte_bus_name(rte_dev_bus(rdev)), "pci") != 0 ||
			strcmp(driver, "net_virtio") != 0)
		return NULL;
	return RTE_DEV_TO_PCI(rdev);
}

int
fo_virtio_check(struct fo_priv *priv, uint16_t port,
		const struct rte_eth_dev_info *info)
{
	const char *name = rte_dev_name(info->device);
	struct rte_pci_device *pdev;

	if (!FO_VIRTIO_PMD_KNOWN) {
		FO_LOG(ERR, priv, "negotiate_standby: the virtio PMD of %s "
			"is not one this driver was checked against (%s)",
			rte_version(), FO_VIRTIO_PMD_RANGE);
		return -ENOTSUP;
	}
	pdev = fo_virtio_pci(port, info->driver_name);
	if (pdev == NULL) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s is not a "
			"virtio-net PCI device (driver %s)", name,
			info->driver_name);
		return -ENOTSUP;
	}
	if (fo_virtio_common_cfg(pdev) == NULL) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s has no "
			"modern virtio interface (a legacy device): not "
			"supported", name);
		return -ENOTSUP;
	}
	return 0;
}

int
fo_virtio_negotiate_standby(struct fo_priv *priv, const struct fo_sub *sub)
{
	struct fo_virtio_setup s;
	struct rte_pci_device *pdev;
	int ret;

	if (!priv->args.negotiate_standby || sub->role != FO_STANDBY)
		return 0;
	/* Checked at the adoption (fo_virtio_check). */
	pdev = fo_virtio_pci(sub->port_id, sub->info.driver_name);
	memset(&s, 0, sizeof(s));
	s.cc = pdev != NULL ? fo_virtio_common_cfg(pdev) : NULL;
	if (s.cc == NULL)
		return -ENOTSUP;
	ret = fo_virtio_read_setup(priv, sub->dev_name, &s);
	if (ret != 0)
		goto out;
	ret = fo_virtio_handshake(&s, s.driver_features |
		RTE_BIT64(FO_VIRTIO_NET_F_STANDBY));
	if (ret == 0) {
		FO_LOG(INFO, priv, "standby %s negotiated "
			"VIRTIO_NET_F_STANDBY", sub->dev_name);
		goto out;
	}
	FO_LOG(ERR, priv, "negotiate_standby: standby %s refused "
		"VIRTIO_NET_F_STANDBY (%s): its own features again",
		sub->dev_name, rte_strerror(-ret));
	if (fo_virtio_handshake(&s, s.driver_features) != 0) {
		FO_LOG(ERR, priv, "negotiate_standby: standby %s refused its "
			"own features again: marked failed", sub->dev_name);
		rte_write8(FO_VIRTIO_S_FAILED, s.cc + FO_CC_STATUS);
		ret = -EIO;
	}
out:
	rte_free(s.vq);
	/* Nothing to do is success; a refusal is the caller's error. */
	return ret > 0 ? 0 : ret;
}
