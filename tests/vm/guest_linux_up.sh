#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Linux's own failover, for comparison: virtio_net made a failover master
# with the pair's MAC and enslaved both NICs. Give the master the guest's
# address and the host's neighbour entry (no ARP: the generator answers
# none), and bring everything up. Prints the master's name.
mac=$1
master=
for i in /sys/class/net/*; do
	[ "$(cat "$i/address")" = "$mac" ] || continue
	[ -e "$i/master" ] && continue
	master=${i##*/}
done
[ -n "$master" ] || { echo "FO-LINUX-FAILED no failover master"; exit 1; }
# the generator's rate is above the kernel's default ICMP budget
echo 0 > /proc/sys/net/ipv4/icmp_ratelimit
echo 100000 > /proc/sys/net/ipv4/icmp_msgs_per_sec
echo 10000 > /proc/sys/net/ipv4/icmp_msgs_burst
for i in /sys/class/net/*; do
	ip link set "${i##*/}" up
done
ip addr add 10.0.0.2/24 dev "$master"
arp -i "$master" -s 10.0.0.1 02:00:00:00:00:01
echo "FO-LINUX-READY $master"
