#!/bin/sh
# The services of a lab node (installed as /usr/local/sbin/lab-services), run by tini as PID 1.
# It stays up when a service dies (tests kill sshd on purpose and restart it with
# `/usr/sbin/sshd`); on SIGTERM it stops dockerd (containers get time to stop) and sshd, then
# exits, and tini with it, which ends the node.
set -u
SSHD=""
DOCKERD=""

stop() {
  trap - TERM INT
  [ -n "$DOCKERD" ] && kill -TERM "$DOCKERD" 2>/dev/null
  [ -n "$SSHD" ] && kill -TERM "$SSHD" 2>/dev/null
  kill -TERM "$SLEEPER" 2>/dev/null
  wait
  exit 0
}
trap stop TERM INT

mkdir -p /run/sshd
/usr/sbin/sshd -D -e &
SSHD=$!

if [ "${LAB_DOCKER:-0}" = 1 ]; then
  # Settings are in /etc/docker/daemon.json; restart by hand with: dockerd >>/var/log/dockerd.log 2>&1 &
  dockerd >>/var/log/dockerd.log 2>&1 &
  DOCKERD=$!
fi

sleep infinity &
SLEEPER=$!
# Returns only when a trapped signal arrives: the sleeper never exits on its own.
wait
stop
