#!/bin/sh
# Hardware probe: sent over SSH on stdin (`sh -s -- MARKER`) or run locally (`sh hardware-probe.sh`).
#
# Read-only by design: it writes no file, starts no service, changes no setting. It only cats
# /proc and /sys and runs listing tools. It does not interpret anything either: every section is
# the raw output of one read, framed by marker lines, and the appliance parses it in TypeScript
# (electron/engine/hardware/remote-parse.ts), where parsing is typed and unit-tested. A missing
# tool prints a "missing" line and degrades one field; nothing here may abort the whole probe.
#
# Arguments: MARKER (a random token framing the output) [nosudo]
#
# Output (stdout):
#   MARKER begin NAME          then the raw stdout of that read, then
#   MARKER end NAME RC         RC = exit status (124 = timed out, 127 = tool not found)
#   MARKER missing TOOL        a tool this host does not have
#   MARKER note TEXT           a fact about how the probe ran (privileges)
# stderr: "MARKER stderr NAME" before each read's own error output.
#
# POSIX sh + coreutils; procps, util-linux, iproute2, systemd tools, dmidecode, sudo all optional.

M=${1:-::appliance-probe::}
# "nosudo": never try sudo, not even passwordless (the engineer asked for an unprivileged probe).
NOSUDO=${2:-}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL

have() { command -v "$1" >/dev/null 2>&1; }

# A hung read (a stale NFS mount under df, a wedged D-Bus under timedatectl) must not hang the
# probe: every command runs under coreutils `timeout` when the host has it.
if have timeout; then HAVE_TIMEOUT=1; else HAVE_TIMEOUT=0; fi
limit() {
  if [ "$HAVE_TIMEOUT" = 1 ]; then timeout 10 "$@"; else "$@"; fi
}

# sec NAME CMD [ARGS...]: one framed section holding CMD's stdout.
sec() {
  name=$1
  shift
  printf '%s begin %s\n' "$M" "$name"
  printf '%s stderr %s\n' "$M" "$name" >&2
  limit "$@"
  rc=$?
  printf '\n%s end %s %s\n' "$M" "$name" "$rc"
}

# tool NAME CMD [ARGS...]: like sec, but says "missing CMD" when the host does not have it.
tool() {
  if have "$2"; then
    sec "$@"
  else
    printf '%s missing %s\n' "$M" "$2"
  fi
}

# readf NAME PATH...: the contents of files that may not exist (no section when none exists).
readf() {
  name=$1
  shift
  for f in "$@"; do
    if [ -r "$f" ]; then
      sec "$name" cat "$f"
      return 0
    fi
  done
  printf '%s absent %s\n' "$M" "$name"
}

sec clock-start date +%s%N

# Who we are decides whether dmidecode can run (SMBIOS tables need root).
uid=$(id -u 2>/dev/null || echo unknown)
SUDO=
if [ "$uid" = 0 ]; then
  printf '%s note privilege root\n' "$M"
elif [ "$NOSUDO" != nosudo ] && have sudo && sudo -n true >/dev/null 2>&1; then
  # Non-interactive only: a password prompt would hang the probe, so -n or nothing.
  SUDO="sudo -n"
  printf '%s note privilege sudo\n' "$M"
else
  printf '%s note privilege user\n' "$M"
fi
# shellcheck disable=SC2016 # expanded by the inner sh, on purpose
sec identity sh -c 'printf "uid=%s\nuser=%s\nhostname=%s\n" "$(id -u)" "$(id -un)" "$(cat /proc/sys/kernel/hostname 2>/dev/null || uname -n)"'
sec uname uname -r -m

readf os-release /etc/os-release /usr/lib/os-release

# CPU: the fields we need from every processor (flags only once: they repeat per thread),
# plus the kernel's topology files, which also exist where cpuinfo has no core ids (ARM).
if have grep; then
  sec cpuinfo grep -E '^(processor|vendor_id|model name|cpu MHz|physical id|core id|CPU implementer|CPU part|Hardware)[[:space:]]*:' /proc/cpuinfo
  sec cpuflags grep -m1 -E '^(flags|Features)[[:space:]]*:' /proc/cpuinfo
  sec cputopo sh -c 'grep -H . /sys/devices/system/cpu/cpu[0-9]*/topology/core_id /sys/devices/system/cpu/cpu[0-9]*/topology/physical_package_id'
else
  printf '%s missing grep\n' "$M"
  sec cpuinfo cat /proc/cpuinfo
fi
tool nproc nproc

readf meminfo /proc/meminfo
readf swaps /proc/swaps

# ECC lives in SMBIOS type 16 (Physical Memory Array): "Error Correction Type".
if have dmidecode; then
  if [ "$uid" = 0 ]; then
    sec dmidecode dmidecode -t 16
  elif [ -n "$SUDO" ]; then
    sec dmidecode sudo -n dmidecode -t 16
  else
    printf '%s note dmidecode-needs-root\n' "$M"
  fi
else
  printf '%s missing dmidecode\n' "$M"
fi
if have grep; then
  sec dmi-id sh -c 'grep -H . /sys/class/dmi/id/product_name /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/board_vendor 2>/dev/null'
fi
tool virt systemd-detect-virt
readf cpu-hypervisor /sys/hypervisor/type

# Disks: lsblk when present; the sysfs files always (they are the fallback and carry the
# rotational flag even where lsblk is old).
tool lsblk lsblk -b -P -o NAME,KNAME,TYPE,SIZE,ROTA,TRAN,MODEL,PKNAME,MOUNTPOINT
if have grep; then
  sec sysblock sh -c 'grep -H . /sys/block/*/size /sys/block/*/queue/rotational /sys/block/*/device/model /sys/block/*/removable 2>/dev/null'
  sec sysblock-slaves sh -c 'ls -1 /sys/block/*/slaves 2>/dev/null'
fi
readf mdstat /proc/mdstat

# Filesystems of the paths the install writes to, one section per path so each is mapped to
# the mount it lives on.
if have df; then
  for p in / /var /var/lib /opt /tmp; do
    if [ -e "$p" ]; then sec "df:$p" df -P -B1 -T "$p"; fi
  done
else
  printf '%s missing df\n' "$M"
fi

# NICs: sysfs for state, MAC, speed (-1 or unreadable on virtual links); the symlink targets
# tell physical from virtual (/devices/virtual/).
if have grep; then
  sec netsys sh -c 'grep -H . /sys/class/net/*/operstate /sys/class/net/*/address /sys/class/net/*/speed 2>/dev/null'
fi
sec netlinks ls -l /sys/class/net
tool ipaddr ip -o addr show

# Init system: PID 1's name (systemd, init, tini, ...), readable by any user.
readf init /proc/1/comm
# Time sync services: which unit exists and its state (a container's systemd skips timesyncd
# on ConditionVirtualization=!container: ConditionResult=no says so).
tool timeunits systemctl show -p Id -p LoadState -p ActiveState -p SubState -p ConditionResult systemd-timesyncd.service chrony.service ntp.service ntpsec.service openntpd.service

# Time sync: the first tool that knows.
tool timedatectl timedatectl show -p NTPSynchronized --value
tool chronyc chronyc -n tracking
tool ntpq ntpq -pn

sec cgroupfs stat -fc %T /sys/fs/cgroup

tool getenforce getenforce
readf selinux-enforce /sys/fs/selinux/enforce
readf apparmor /sys/module/apparmor/parameters/enabled

# Listening sockets: ss, else the kernel tables (ports only, no process names).
if have ss; then
  sec ss ss -tulnp
else
  printf '%s missing ss\n' "$M"
  readf proc-net-tcp /proc/net/tcp
  readf proc-net-tcp6 /proc/net/tcp6
  readf proc-net-udp /proc/net/udp
  readf proc-net-udp6 /proc/net/udp6
fi

sec clock-end date +%s%N
printf '%s done\n' "$M"
exit 0
