#!/bin/sh
# First process of a lab node. The engine starts it as
#   ip netns exec <netns> unshare --mount --uts --pid --fork --kill-child --propagation private -- sh node-init.sh
# so it is already PID 1 in the node's own network, mount, uts and pid namespaces. It assembles
# the node's root filesystem, pivots into it (pivot_root, not chroot: nsenter and `docker exec`
# must land in the node, not on the host) and becomes tini, which supervises the services.
# Input (environment, validated by the engine): LAB_LOWER LAB_UPPER LAB_WORK LAB_ROOT
# LAB_HOSTNAME LAB_DOCKER(0|1) LAB_CGROUP_TMPFS(0|1) LAB_CGROUPS("fstype:relpath:options ...").
set -eu
R=$LAB_ROOT

# Only this mount namespace sees the overlay: when the node dies, its mounts go with it.
mount -t overlay overlay -o "lowerdir=$LAB_LOWER,upperdir=$LAB_UPPER,workdir=$LAB_WORK" "$R"

mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
# A fresh sysfs shows this network namespace's interfaces, not the host's.
mount -t sysfs -o nosuid,nodev,noexec sysfs "$R/sys"

# /dev: a small tmpfs holding only the character devices a server needs, and its own ptys.
mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m dev "$R/dev"
for d in null zero full random urandom tty; do
  : > "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o nosuid,nodev,mode=0755 run "$R/run"
mkdir -p "$R/run/sshd" "$R/run/lock"
chmod 1777 "$R/run/lock"

if [ "$LAB_DOCKER" = 1 ]; then
  # dockerd needs cgroups: mirror the host's hierarchies exactly (a v1 controller can only be
  # mounted again with the same controller set). Its containers' cgroups are created in the host
  # hierarchy below --cgroup-parent, which is why teardown removes /sys/fs/cgroup/*/lab-*.
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
      mount -t "$fstype" -o "$opts" "$fstype" "$R/sys/fs/cgroup/$rel"
    else
      mount -t "$fstype" "$fstype" "$R/sys/fs/cgroup/$rel"
    fi
  done
fi

hostname "$LAB_HOSTNAME"

cd "$R"
mkdir -p .lab-oldroot
pivot_root . .lab-oldroot
cd /
# From here on every command comes from the node's own root filesystem.
umount -l /.lab-oldroot
rmdir /.lab-oldroot

exec /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 LAB_DOCKER="$LAB_DOCKER" \
  /usr/bin/tini -- /usr/local/sbin/lab-services
