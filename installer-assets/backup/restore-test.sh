#!/bin/bash
# Restore test of the newest backup of a stack installed by the Airgap Appliance.
#   restore-test.sh CONFIG   (the same settings file as backup.sh)
# Checks the newest dump against its sha256, restores it into a scratch database beside the
# live one, and compares the row count of every table with the live database. Exit 0 only when
# every table is there with the same count. The scratch database is dropped afterwards.
# Meant for a quiet moment (the install's verify, a maintenance window): a table written between
# the dump and the test differs, and the test says which.
set -euo pipefail
umask 077

[ $# -eq 1 ] || { echo "usage: $0 CONFIG" >&2; exit 2; }
# shellcheck source=/dev/null
. "$1"
: "${STACK_DIR:?}" "${PROJECT:?}" "${SERVICE:?}" "${DB_NAME:?}" "${DB_USER:?}" "${DB_PORT:?}" "${BACKUP_DIR:?}"
SCRATCH=airgap_restore_test

compose() { docker compose --project-directory "$STACK_DIR" -f "$STACK_DIR/compose.yaml" -p "$PROJECT" "$@"; }
psql_in() {
  local db=$1
  shift
  compose exec -T "$SERVICE" psql -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"
}

newest=$(find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DB_NAME-*.dump" | sort | tail -n 1)
[ -n "$newest" ] || { echo "restore-test: no dump of $DB_NAME in $BACKUP_DIR" >&2; exit 1; }
(cd "$BACKUP_DIR" && sha256sum --check --quiet -- "$(basename "$newest").sha256") || {
  echo "restore-test: $(basename "$newest") does not match its sha256" >&2
  exit 1
}

work=$(mktemp -d)
cleanup() {
  psql_in postgres -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT

psql_in postgres -c "DROP DATABASE IF EXISTS $SCRATCH" -c "CREATE DATABASE $SCRATCH" >/dev/null
compose exec -T "$SERVICE" pg_restore -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$SCRATCH" \
  --no-owner --no-privileges --exit-on-error <"$newest"

# One line per table: "schema.table count" (exact counts, every user schema).
COUNTS="SELECT format('%I.%I', table_schema, table_name),
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1"
psql_in "$DB_NAME" -At -F ' ' -c "$COUNTS" >"$work/live"
psql_in "$SCRATCH" -At -F ' ' -c "$COUNTS" >"$work/restored"

if ! diff -u --label live --label restored "$work/live" "$work/restored"; then
  echo "restore-test: FAILED: the restored $(basename "$newest") differs from the live $DB_NAME (above)" >&2
  exit 1
fi
tables=$(wc -l <"$work/live")
rows=$(awk '{ s += $NF } END { print s + 0 }' "$work/live")
echo "restore-test: passed: $(basename "$newest") restored with $tables tables and $rows rows, the same counts as the live $DB_NAME"
