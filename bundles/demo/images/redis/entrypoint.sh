#!/bin/sh
# Redis entrypoint. `redis-server [args]`: writes a config with requirepass taken from
# REDIS_PASSWORD_FILE (or REDIS_PASSWORD) into a file only the redis user can read (never on
# argv, where `ps` would show it), then runs redis-server as the redis user.
set -eu

if [ "${1:-}" != redis-server ]; then
  exec "$@"
fi
shift

if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  [ -r "$REDIS_PASSWORD_FILE" ] || { echo "redis: REDIS_PASSWORD_FILE=$REDIS_PASSWORD_FILE cannot be read" >&2; exit 1; }
  password=$(cat "$REDIS_PASSWORD_FILE")
elif [ -n "${REDIS_PASSWORD:-}" ]; then
  password=$REDIS_PASSWORD
else
  echo "redis: set REDIS_PASSWORD_FILE (or REDIS_PASSWORD); refusing to start without a password" >&2
  exit 1
fi

mkdir -p /run/redis /data
chown redis:redis /run/redis /data
chmod 700 /run/redis
conf=/run/redis/redis.conf
umask 077
# Redis config strings: double-quoted, with backslash and quote escaped.
escaped=$(printf '%s' "$password" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
cat >"$conf" <<CONF
bind * -::*
port 6379
protected-mode yes
dir /data
appendonly yes
requirepass "$escaped"
CONF
chown redis:redis "$conf"
unset password escaped REDIS_PASSWORD

exec setpriv --reuid=redis --regid=redis --init-groups redis-server "$conf" "$@"
