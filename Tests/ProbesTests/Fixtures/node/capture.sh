#!/bin/sh
# Captures the files the node collectors read from THIS machine into ./<name>/ (a tree rooted
# like /), for the parser tests. Usage: sh capture.sh vm
set -eu
out=${1:?usage: capture.sh NAME}
rm -rf "$out"
copy() { for f in "$@"; do [ -r "$f" ] || continue; mkdir -p "$out$(dirname "$f")"; cat "$f" > "$out$f" 2>/dev/null || rm -f "$out$f"; done; }
copy /proc/stat /proc/meminfo /proc/loadavg /proc/self/mounts /proc/net/dev /proc/diskstats /proc/vmstat \
     /proc/net/sockstat /proc/net/sockstat6 /proc/net/netstat /proc/net/snmp /proc/net/snmp6 /proc/net/tcp /proc/net/tcp6 \
     /proc/sys/kernel/random/entropy_avail /proc/sys/kernel/random/poolsize /proc/sys/fs/file-nr \
     /proc/sys/kernel/ostype /proc/sys/kernel/hostname /proc/sys/kernel/osrelease /proc/sys/kernel/version \
     /proc/sys/kernel/domainname /proc/pressure/cpu /proc/pressure/io /proc/pressure/memory /proc/pressure/irq /etc/os-release \
     /sys/devices/system/clocksource/clocksource*/available_clocksource /sys/devices/system/clocksource/clocksource*/current_clocksource
for attr in addr_assign_type carrier carrier_changes carrier_up_count carrier_down_count dev_id dormant flags ifindex iflink \
            link_mode mtu name_assign_type netdev_group type speed tx_queue_len address broadcast duplex ifalias operstate; do
    copy /sys/class/net/*/$attr
done
for d in /sys/class/thermal/thermal_zone* /sys/class/thermal/cooling_device*; do
    [ -d "$d" ] && copy "$d/type" "$d/temp" "$d/cur_state" "$d/max_state"
done
# /proc/net/tcp lists this machine's connections: keep the states, drop the addresses.
for f in "$out/proc/net/tcp" "$out/proc/net/tcp6"; do
    [ -f "$f" ] && awk 'NR==1 {print; next} {$2="0100007F:0000"; $3="00000000:0000"; print}' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done
uname -m > "$out/uname-m"
