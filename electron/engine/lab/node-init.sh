#!/bin/sh
# First process of a lab node (started by node-launch.sh), already PID 1 of the node's own
# network, mount, uts, ipc, pid and cgroup namespaces. It assembles the node's root filesystem,
# pivots into it (pivot_root, not chroot: nsenter and `docker exec` must land in the node, not on
# the host) and execs systemd. The mount order is the one measured in LAB-NOTES.md
# ("Nodes that boot real systemd"); each step says why.
# Input (environment, validated by the engine): LAB_LOWER (overlay lowerdir, "a:b" for a
# layered profile) LAB_UPPER LAB_WORK LAB_ROOT LAB_HOSTNAME LAB_BOOT_ID_FILE, LAB_DATA_IMAGE or
# LAB_DATA_TMPFS_BYTES,
# LAB_CGROUP_TMPFS(0|1) LAB_CGROUPS("fstype:relpath:options ...").
set -eu
R=$LAB_ROOT

# Nothing mounted here may propagate back to the host.
mount --make-rprivate /
# Only this mount namespace sees the overlay: when the node dies, its mounts go with it.
mount -t overlay overlay -o "lowerdir=$LAB_LOWER,upperdir=$LAB_UPPER,workdir=$LAB_WORK" "$R"

mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
# Kernel settings are shared with the host: read-only, except the per-netns network ones
# (dockerd sets ip_forward in its own namespace).
mount --bind "$R/proc/sys" "$R/proc/sys"
mount -o remount,bind,ro "$R/proc/sys"
mount --bind "$R/proc/sys/net" "$R/proc/sys/net"
mount -o remount,bind,rw "$R/proc/sys/net"
# Own boot id (after the /proc/sys bind, which would hide it): else every node shares the
# host's and `journalctl -b` merges the boots of all nodes.
mount --bind "$LAB_BOOT_ID_FILE" "$R/proc/sys/kernel/random/boot_id"
# A fresh sysfs shows this network namespace's interfaces, not the host's.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"

# /dev: a small tmpfs holding only the character devices a server needs, and its own ptys.
mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m dev "$R/dev"
for d in null zero full random urandom tty; do
  : > "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
# systemd writes to /dev/console; the node has none of its own.
: > "$R/dev/console"
mount --bind /dev/null "$R/dev/console"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o nosuid,nodev,mode=0755 run "$R/run"

# cgroups: the host's hierarchies, mounted again inside the cgroup namespace, so each shows
# the node's own folder as its root. A v1 controller can only be mounted with the same
# controller set as on the host, hence the exact layout read from the host's mountinfo.
if [ "$LAB_CGROUP_TMPFS" = 1 ]; then
  mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 cgroup "$R/sys/fs/cgroup"
fi
for spec in $LAB_CGROUPS; do
  fstype=${spec%%:*}
  rest=${spec#*:}
  rel=${rest%%:*}
  opts=${rest#*:}
  mkdir -p "$R/sys/fs/cgroup/$rel"
  if [ -n "$opts" ]; then
    mount -t "$fstype" -o "nosuid,nodev,noexec,$opts" "$fstype" "$R/sys/fs/cgroup/$rel"
  else
    mount -t "$fstype" -o nosuid,nodev,noexec "$fstype" "$R/sys/fs/cgroup/$rel"
  fi
done
if [ "$LAB_CGROUP_TMPFS" = 1 ]; then
  # systemd must not create hierarchies of its own next to the host's.
  mount -o remount,ro,nosuid,nodev,noexec "$R/sys/fs/cgroup"
fi

# The node's data filesystem: a separate, bounded ext4 (a loop-mounted image file), so disk
# checks and "disk full" tests see a real filesystem. The loop device detaches when the last
# mount of it goes away (autoclear), i.e. when this namespace dies.
mkdir -p "$R/data"
if [ -n "${LAB_DATA_IMAGE:-}" ]; then
  mount -o loop,nosuid,nodev "$LAB_DATA_IMAGE" "$R/data"
elif [ -n "${LAB_DATA_TMPFS_BYTES:-}" ]; then
  # No loop devices on this host: a bounded tmpfs (in RAM) still gives df and ENOSPC.
  mount -t tmpfs -o "nosuid,nodev,mode=0755,size=$LAB_DATA_TMPFS_BYTES" data "$R/data"
fi

hostname "$LAB_HOSTNAME"

cd "$R"
mkdir -p .lab-oldroot
pivot_root . .lab-oldroot
cd /
# From here on every command comes from the node's own root filesystem.
umount -l /.lab-oldroot
rmdir /.lab-oldroot

exec /usr/bin/env -i container=lab TERM=linux \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /lib/systemd/systemd --log-target=console
