#!/bin/sh
# Host side of starting a lab node. The engine made the node's own cgroup folder in every
# cgroup hierarchy (LAB_CGROUP_PROCS = their cgroup.procs files); this process joins them, so
# with --cgroup below the node's systemd sees its folder as the root of every hierarchy and
# builds its own tree there (teardown removes the folders depth-first).
# Then it enters the node's network namespace and starts node-init.sh as PID 1 of new
# mount, uts, ipc, pid and cgroup namespaces. `unshare --fork` stays as the parent; it ignores
# SIGTERM, so the engine signals the node's PID 1 (systemd) instead.
set -eu
for f in $LAB_CGROUP_PROCS; do
  echo $$ > "$f"
done
exec nsenter --net="/run/netns/$LAB_NETNS" -- \
  unshare --mount --uts --ipc --pid --cgroup --fork --kill-child --propagation private -- \
  sh "$LAB_INIT_SCRIPT"
