#!/bin/sh
# PostgreSQL entrypoint. `postgres [args]`: on an empty $PGDATA run initdb with the password
# from POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD), listen on all addresses with
# scram-sha-256, create POSTGRES_DB; then run the server as the postgres user. Anything else
# is executed as given (e.g. `psql ...`).
set -eu

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi
shift

PGDATA=${PGDATA:-/var/lib/postgresql/data}
POSTGRES_USER=${POSTGRES_USER:-postgres}
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
valid_name() { case "$1" in '' | *[!a-zA-Z0-9_]* | [0-9]*) return 1 ;; esac; }

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
chmod 2775 /run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    [ -r "$POSTGRES_PASSWORD_FILE" ] || { echo "postgres: POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE cannot be read" >&2; exit 1; }
    password=$(cat "$POSTGRES_PASSWORD_FILE")
  elif [ -n "${POSTGRES_PASSWORD:-}" ]; then
    password=$POSTGRES_PASSWORD
  else
    echo "postgres: $PGDATA is empty; set POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD) so it can be initialised" >&2
    exit 1
  fi
  valid_name "$POSTGRES_USER" || { echo "postgres: POSTGRES_USER must be letters, digits and _" >&2; exit 1; }

  pwfile=$(mktemp)
  chown postgres "$pwfile"
  chmod 600 "$pwfile"
  printf '%s\n' "$password" >"$pwfile"
  unset password POSTGRES_PASSWORD
  echo "postgres: initialising $PGDATA"
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --no-locale \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"

  {
    echo "listen_addresses = '*'"
    echo "password_encryption = 'scram-sha-256'"
    echo "jit = off"
  } >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    valid_name "$POSTGRES_DB" || { echo "postgres: POSTGRES_DB must be letters, digits and _" >&2; exit 1; }
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" | as_postgres postgres --single -j -D "$PGDATA" postgres >/dev/null
  fi
  echo "postgres: initialised"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
