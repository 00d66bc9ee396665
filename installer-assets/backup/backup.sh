#!/bin/bash
# Daily PostgreSQL backup of a stack installed by the Airgap Appliance.
#   backup.sh CONFIG   (CONFIG: the shell settings file the installer writes beside this script)
# Dumps the database role's database with pg_dump (custom format) through
# `docker compose exec -T`, checks the dump is readable, writes a sha256 beside it, and deletes
# dumps older than KEEP_DAYS days (never the newest one). Run by <stack>-backup.service.
set -euo pipefail
umask 077

[ $# -eq 1 ] || { echo "usage: $0 CONFIG" >&2; exit 2; }
# shellcheck source=/dev/null
. "$1"
: "${STACK_DIR:?}" "${PROJECT:?}" "${SERVICE:?}" "${DB_NAME:?}" "${DB_USER:?}" "${DB_PORT:?}" "${BACKUP_DIR:?}" "${KEEP_DAYS:?}"

compose() { docker compose --project-directory "$STACK_DIR" -f "$STACK_DIR/compose.yaml" -p "$PROJECT" "$@"; }

install -d -m 0700 "$BACKUP_DIR"
# One backup at a time (the timer and a manual run may meet).
exec 9>"$BACKUP_DIR/.lock"
flock -n 9 || { echo "backup: another backup of $PROJECT is running" >&2; exit 1; }

name="$DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).dump"
while [ -e "$BACKUP_DIR/$name" ]; do
  sleep 1
  name="$DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).dump"
done
tmp="$BACKUP_DIR/.$name.partial"
trap 'rm -f -- "$tmp" "$tmp.sha256"' EXIT

# PGPASSWORD is in the database container's environment (from the stack's .env), never on argv.
compose exec -T "$SERVICE" pg_dump -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" --format=custom >"$tmp"
[ -s "$tmp" ] || { echo "backup: pg_dump wrote nothing" >&2; exit 1; }
# A dump pg_restore cannot list is no backup.
compose exec -T "$SERVICE" pg_restore --list <"$tmp" >/dev/null

sum=$(sha256sum "$tmp" | cut -d' ' -f1)
printf '%s  %s\n' "$sum" "$name" >"$tmp.sha256"
sync -f "$tmp" 2>/dev/null || sync
mv -f -- "$tmp.sha256" "$BACKUP_DIR/$name.sha256"
mv -f -- "$tmp" "$BACKUP_DIR/$name"
trap - EXIT

# Retention: dumps older than KEEP_DAYS days go, with their checksums; the newest always stays
# (a month of failed backups must not delete the last good one).
newest=$(find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DB_NAME-*.dump" | sort | tail -n 1)
find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DB_NAME-*.dump" -mmin +$((KEEP_DAYS * 1440)) | sort | while read -r old; do
  [ "$old" = "$newest" ] && continue
  rm -f -- "$old" "$old.sha256"
  echo "backup: removed $(basename "$old") (older than $KEEP_DAYS days)"
done
find "$BACKUP_DIR" -maxdepth 1 -type f -name '.*.partial*' -mmin +1440 -delete

echo "backup: $BACKUP_DIR/$name $(stat -c %s "$BACKUP_DIR/$name") bytes sha256 $sum"
