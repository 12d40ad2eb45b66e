#!/usr/bin/env bash
# Restore drill: prove that a backup restores into a working site and that no member who
# deleted their account after the backup comes back.
#
#   DATABASE_URL=postgres://user@host:5432/ownpace bench/restore_drill.sh [options]
#
#   --dump FILE      restore this pg_dump custom-format file (e.g. last night's backup)
#                    instead of dumping DATABASE_URL now
#   --journal FILE   replay this deletion journal (from export_deletion_journal) instead
#                    of reading the journal of DATABASE_URL as it is now
#   --keep           keep the scratch database afterwards (dropped by default)
#
# Steps: dump (pg_dump -Fc) · restore into a fresh scratch database (RESTORE_DRILL_DB,
# default ownpace_restore_drill, on the same server) · apply any migrations the backup
# lacks, then `migrate --check` and `makemigrations --check` · re-apply every account
# deletion the journal holds from the dump's time on (less an hour, for a deletion whose
# transaction began before the dump and committed after it; replaying an older one is a
# no-op) · `check` and the smoke_check command (counts, home, category and thread pages).
#
# The scratch database is migrated and written to with REDIS_URL unset: the replay's
# broadcasts, cache and session clean-up must not reach the live site's Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { printf 'restore drill FAILED: %s\n' "$*" >&2; exit 1; }

dump="" journal="" keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --dump) dump=${2:?--dump needs a file}; shift 2 ;;
    --journal) journal=${2:?--journal needs a file}; shift 2 ;;
    --keep) keep=true; shift ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

source_url=${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database whose backup is drilled}
case $source_url in
  postgres://*|postgresql://*) ;;
  *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://…)" ;;
esac
scratch=${RESTORE_DRILL_DB:-ownpace_restore_drill}
address=${source_url%%\?*}
query=${source_url#"$address"}
source_name=${address##*/}
[ "$source_name" != "$scratch" ] || fail "the scratch database cannot be the source database"
server=${address%/*}
scratch_url="$server/$scratch$query"
maintenance_url="$server/postgres$query"
python=.venv/bin/python

work=$(mktemp -d)
finish() {
  status=$?
  rm -rf "$work"
  if [ "$keep" = false ]; then
    psql -q "$maintenance_url" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap finish EXIT

on_scratch() { env -u REDIS_URL DATABASE_URL="$scratch_url" "$python" manage.py "$@"; }
started=$SECONDS
timed() { printf '    (%s s)\n' "$((SECONDS - step_started))"; }

step_started=$SECONDS
if [ -z "$dump" ]; then
  dump="$work/own-pace.dump"
  dumped_at=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
  say "Dumping $source_name (pg_dump, custom format)"
  TZ=UTC pg_dump --format=custom --file="$dump" "$source_url"
else
  [ -r "$dump" ] || fail "cannot read $dump"
  # pg_dump writes its start time in its own time zone; only UTC is read here.
  created=$(pg_restore --list "$dump" | sed -n 's/^; *Archive created at \(.*\) UTC$/\1/p')
  [ -n "$created" ] || fail "$dump does not say in UTC when it was made (dump with TZ=UTC)"
  dumped_at=$(date -u -d "$created UTC" +%Y-%m-%dT%H:%M:%S+00:00)
  say "Using $dump"
fi
printf '    dump started at %s, %s bytes\n' "$dumped_at" "$(stat -c %s "$dump")"
timed

step_started=$SECONDS
say "Restoring into a fresh $scratch"
PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 "$maintenance_url" \
  -c "DROP DATABASE IF EXISTS \"$scratch\"" -c "CREATE DATABASE \"$scratch\"" >/dev/null
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$scratch_url" "$dump"
timed

step_started=$SECONDS
say "Migrations against the restored copy"
pending=$(on_scratch showmigrations --plan | grep -c '^\[ \]' || true)
if [ "$pending" -gt 0 ]; then
  printf '    the backup lacks %s migrations of this code: applying them\n' "$pending"
  on_scratch migrate --no-input -v 0
fi
on_scratch migrate --check -v 0 || fail "unapplied migrations remain"
on_scratch makemigrations --check --dry-run -v 0 || fail "the models have changes no migration makes"
echo "    migrate --check and makemigrations --check: clean"
timed

step_started=$SECONDS
say "Re-applying account deletions made since the dump"
if [ -z "$journal" ]; then
  journal="$work/deletion-journal.json"
  "$python" manage.py export_deletion_journal --output "$journal"
  echo "    journal read from $source_name as it is now"
fi
since=$(date -u -d "$dumped_at - 1 hour" +%Y-%m-%dT%H:%M:%S+00:00)
on_scratch reapply_deletions "$journal" --since "$since" | sed 's/^/    /'
timed

step_started=$SECONDS
say "Smoke test of the restored copy"
on_scratch check >/dev/null
on_scratch smoke_check | sed 's/^/    /'
timed

if [ "$keep" = true ]; then
  say "Kept $scratch: DATABASE_URL=$scratch_url"
else
  say "Dropping $scratch"
fi
say "Restore drill passed in $((SECONDS - started)) s"
