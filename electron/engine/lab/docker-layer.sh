#!/bin/sh
# Builds the "docker" profile layer: Docker Engine and Compose v2 installed over the base.
# $1 = base root filesystem (read-only lower), $2 = empty layer dir (becomes the overlay upper),
# $3 = scratch dir for the overlay's workdir and mount point.
# Runs inside `unshare --mount --propagation private` like base-build.sh: every mount made here
# dies with this process. Nodes of the docker profile then mount lowerdir=<layer>:<base>, so the
# layer holds only what Docker adds (about 1/4 of a second full base, built in a fraction of the time).
# Input: $LAB_DOCKER_PACKAGES (from the base suite), $LAB_COMPOSE_PACKAGES and $LAB_COMPOSE_SUITE
# (fetched from the newer suite), $LAB_MIRROR (the host's Debian mirror). Validated by the caller.
set -eu
umask 022
BASE=$1
LAYER=$2
SCRATCH=$3
ROOT=$SCRATCH/root
mkdir -p "$SCRATCH/work" "$ROOT"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$LAYER,workdir=$SCRATCH/work" "$ROOT"

mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount -t tmpfs tmpfs "$ROOT/run"
mount -t tmpfs tmpfs "$ROOT/tmp"
# apt's lists and the temporary suite go to tmpfs mounts, so none of them lands in the layer.
mount -t tmpfs tmpfs "$ROOT/var/lib/apt/lists"
mount -t tmpfs tmpfs "$ROOT/etc/apt/sources.list.d"
mount -t tmpfs tmpfs "$ROOT/etc/apt/preferences.d"
cp "$BASE/etc/apt/sources.list.d/"* "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
# The newer suite from the same mirror, pinned below the base suite: only the packages named
# with /suite below come from it, nothing of the base is upgraded.
cat > "$ROOT/etc/apt/sources.list.d/lab-compose.sources" <<EOF
Types: deb
URIs: $LAB_MIRROR
Suites: $LAB_COMPOSE_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n' "$LAB_COMPOSE_SUITE" > "$ROOT/etc/apt/preferences.d/lab-compose"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf.lab-build"
mount --bind "$ROOT/etc/resolv.conf.lab-build" "$ROOT/etc/resolv.conf"

printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"

export DEBIAN_FRONTEND=noninteractive
chroot "$ROOT" apt-get update
compose=""
for p in $LAB_COMPOSE_PACKAGES; do compose="$compose $p/$LAB_COMPOSE_SUITE"; done
# shellcheck disable=SC2086 # word splitting of the package lists is intended
chroot "$ROOT" apt-get install -y --no-install-recommends $LAB_DOCKER_PACKAGES $compose
chroot "$ROOT" apt-get clean

# Storage and cgroup settings every node needs (vfs: overlay on overlay does not work; cgroupfs:
# the node's systemd runs on v1 "hybrid" cgroups). Per-node settings (address ranges) go in the
# node's own /etc/docker/daemon.json; these are flags so the two never conflict.
mkdir -p "$ROOT/etc/systemd/system/docker.service.d"
cat > "$ROOT/etc/systemd/system/docker.service.d/lab.conf" <<'CONF'
# Practice lab (airgap-appliance): see docs/lab.md "Docker inside nodes".
[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --storage-driver=vfs --exec-opt native.cgroupdriver=cgroupfs
CONF
# Enabled like a server where Docker was installed (the package's postinst cannot reach systemd here).
chroot "$ROOT" systemctl enable docker.service containerd.service docker.socket

umount "$ROOT/etc/resolv.conf"
rm -f "$ROOT/etc/resolv.conf.lab-build" "$ROOT/usr/sbin/policy-rc.d"
