#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
#
# /init of the hotplug scenarios' guest. fo.mode= on the kernel command line
# says who drives the NICs: vfio (vfio-pci, DPDK), uio (uio_pci_generic,
# DPDK) or linux (the kernel's virtio_net, e1000e or igb, net_failover). Then a
# shell on the console takes the host's commands.
/bin/busybox --install -s /bin
# rootfs starts world-writable; EAL loads no plugin below such a directory
/bin/chmod 755 /
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/hugepages
mount -t hugetlbfs nodev /dev/hugepages
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run

# A module built into the kernel (virtio_pci in Debian 13's) is loaded.
load() {
	grep -q "/$(echo "$1" | tr - _)\.ko" /lib/modules/*/modules.builtin \
		2>/dev/null || modprobe "$1"
}
mode=$(sed -n 's/.*fo\.mode=\([a-z]*\).*/\1/p' /proc/cmdline)
case "$mode" in
vfio)	# busybox modprobe skips softdeps: the IOMMU backend by name
	load vfio_iommu_type1 && load vfio-pci && driver=vfio-pci ;;
uio)	load uio_pci_generic && driver=uio_pci_generic ;;
linux)	load net_failover && load virtio_pci &&
	load virtio_net && load e1000e && load igb && driver=auto ;;
esac
[ -n "$driver" ] || { echo "FO-GUEST-FAILED mode '$mode'"; poweroff -f; }
echo "$driver" > /run/fo-driver

# Devices plugged later are bound by the uevent helper, as a udev rule would
# do (Debian's kernel has no usermode helper: busybox's uevent listens on
# netlink); those present now are bound here the same way.
uevent /sbin/fo-hotplug &
for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/class") in
	0x0200*) ACTION=add SUBSYSTEM=pci DEVPATH=${d#/sys} \
		PCI_SLOT_NAME=${d##*/} /sbin/fo-hotplug ;;
	esac
done

echo 256 > /proc/sys/vm/nr_hugepages
echo "FO-GUEST-READY mode=$mode hugepages=$(cat /proc/sys/vm/nr_hugepages)"
exec setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
