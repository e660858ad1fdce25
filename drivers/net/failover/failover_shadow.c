/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Notice of a sub-device's detach before its driver frees anything.
 *
 * rte_dev_remove() (testpmd's "device detach", an application's own
 * hot-unplug) calls the bus driver's remove, which closes the port and
 * frees its queues before ethdev raises RTE_ETH_EVENT_DESTROY: an lcore
 * still inside a burst of that port would use freed memory. So while a
 * device is a sub-device, its rte_device points to a copy of its bus
 * driver whose remove first takes the port out of the datapath and waits
 * out the grace period, then calls the real remove. The original driver is
 * put back whenever the sub-device is let go.
 *
 * Buses other than vdev and PCI keep their driver: for them, DESTROY is
 * the notice, which is in time only where the driver frees its queues at
 * port release (documented).
 */

#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>

#include "failover_private.h"

static int
fo_shadow_vdev_remove(struct rte_vdev_device *vdev)
{
	struct fo_shadow *sh = container_of(vdev->device.driver,
			struct fo_shadow, vdev.driver);
	const struct rte_vdev_driver *orig = sh->orig_vdev;

	/* Puts the original driver back: nothing of ours is used after. */
	fo_sub_detaching(sh->priv, sh->role, &vdev->device);
	return orig->remove(vdev);
}

static int
fo_shadow_pci_remove(struct rte_pci_device *pdev)
{
	struct fo_shadow *sh = container_of(pdev->device.driver,
			struct fo_shadow, pci.driver);
	const struct rte_pci_driver *orig = sh->orig_pci;

	fo_sub_detaching(sh->priv, sh->role, &pdev->device);
	return orig->remove(pdev);
}

void
fo_shadow_install(struct fo_priv *priv, struct fo_sub *sub,
		struct rte_device *rdev)
{
	struct fo_shadow *sh = &sub->shadow;
	const char *bus = rte_bus_name(rte_dev_bus(rdev));

	if (sh->rdev != NULL || rdev->driver == NULL)
		return;
	memset(sh, 0, sizeof(*sh));
	sh->priv = priv;
	sh->role = sub->role;
	if (strcmp(bus, "vdev") == 0) {
		sh->orig_vdev = container_of(rdev->driver,
			const struct rte_vdev_driver, driver);
		if (sh->orig_vdev->remove == NULL)
			return;
		sh->vdev = *sh->orig_vdev;
		sh->vdev.remove = fo_shadow_vdev_remove;
		rdev->driver = &sh->vdev.driver;
	} else if (strcmp(bus, "pci") == 0) {
		struct rte_pci_device *pdev = RTE_DEV_TO_PCI(rdev);

		sh->orig_pci = pdev->driver;
		if (sh->orig_pci == NULL || sh->orig_pci->remove == NULL)
			return;
		sh->pci = *sh->orig_pci;
		sh->pci.remove = fo_shadow_pci_remove;
		pdev->driver = &sh->pci;
		rdev->driver = &sh->pci.driver;
	} else {
		return;
	}
	sh->rdev = rdev;
}

void
fo_shadow_uninstall(struct fo_sub *sub)
{
	struct fo_shadow *sh = &sub->shadow;
	struct rte_device *rdev = sh->rdev;

	if (rdev == NULL)
		return;
	if (sh->orig_vdev != NULL && rdev->driver == &sh->vdev.driver) {
		rdev->driver = &sh->orig_vdev->driver;
	} else if (sh->orig_pci != NULL && rdev->driver == &sh->pci.driver) {
		RTE_DEV_TO_PCI(rdev)->driver =
			(struct rte_pci_driver *)(uintptr_t)sh->orig_pci;
		rdev->driver = &sh->orig_pci->driver;
	}
	sh->rdev = NULL;
}
