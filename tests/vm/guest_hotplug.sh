#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The guest's uevent helper: binds each network PCI device that appears to
# the driver of the scenario, and says so on the console with the guest's
# uptime, which the host uses as the moment the device became usable.
[ "$SUBSYSTEM" = pci ] || exit 0
[ "$ACTION" = add ] || exit 0
case $(cat "/sys$DEVPATH/class" 2>/dev/null) in 0x0200*) ;; *) exit 0 ;; esac
driver=$(cat /run/fo-driver)
if [ "$driver" != auto ]; then
	echo "$driver" > "/sys$DEVPATH/driver_override"
	# a driver built into the kernel (virtio_pci in Debian 13's) may
	# have taken the device already
	cur=$(readlink "/sys$DEVPATH/driver")
	[ -z "$cur" ] || [ "${cur##*/}" = "$driver" ] ||
		echo "$PCI_SLOT_NAME" > "/sys$DEVPATH/driver/unbind"
	echo "$PCI_SLOT_NAME" > /sys/bus/pci/drivers_probe
fi
bound=$(readlink "/sys$DEVPATH/driver")
echo "FO-BOUND $PCI_SLOT_NAME ${bound##*/} $(cut -d' ' -f1 /proc/uptime)" \
	> /dev/console
