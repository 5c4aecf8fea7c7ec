#!/usr/bin/env bash
# Restore a PostCash backup into a NEW database, then prove it: ledger and audit checks.
#
#   scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL
#
# The target database must not exist yet: it is created on the same server, so a
# restore can never overwrite live data. Point the application at it only once
# the checks below have passed. Environment: RESTORE_JOBS (parallel jobs, 2),
# FLASK (the flask executable, default: the repository's .venv/bin/flask).
#
# After pg_restore the script runs, against the copy:
#   flask ledger check   every ledger invariant (balanced entries, trial balance,
#                        cached totals, no overdraft, idempotency, safeguarding)
#   flask audit verify   the audit trail's hash chain is intact
# and exits non-zero if either fails.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DUMP_FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
dump="$1"
target="$2"
[[ -f "$dump" ]] || { echo "restore.sh: no such file: $dump" >&2; exit 2; }
if [[ ! "$target" =~ ^postgres(ql)?(\+[a-z0-9]+)?:// ]]; then
  echo "restore.sh: the target must be a PostgreSQL URL" >&2
  exit 2
fi

libpq_url="$(sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#' <<<"$target")"
app_url="$(sed -E 's#^postgresql://#postgresql+psycopg://#' <<<"$libpq_url")"
base="${libpq_url%%\?*}"
query=""
[[ "$libpq_url" == *\?* ]] && query="?${libpq_url#*\?}"
dbname="${base##*/}"
server="${base%/*}"
if [[ ! "$dbname" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
  echo "restore.sh: target database name must be letters, digits and _: '$dbname'" >&2
  exit 2
fi
maintenance="$server/postgres$query"

exists="$(psql "$maintenance" -XtAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")"
if [[ "$exists" == "1" ]]; then
  echo "restore.sh: database $dbname already exists; restore into a new one" >&2
  exit 1
fi
psql "$maintenance" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$dbname\""
echo "created database $dbname"

# A half-restored database must not be mistaken for a copy: drop it if pg_restore fails.
trap 'psql "$maintenance" -Xq -c "DROP DATABASE IF EXISTS \"$dbname\"" || true' EXIT
pg_restore --exit-on-error --no-owner --jobs="${RESTORE_JOBS:-2}" --dbname="$libpq_url" "$dump"
trap - EXIT
echo "restored $dump into $dbname"

root="$(cd "$(dirname "$0")/.." && pwd)"
flask="${FLASK:-$root/.venv/bin/flask}"
cd "$root"
export FLASK_APP=wsgi.py DATABASE_URL="$app_url"
"$flask" ledger check
"$flask" audit verify
echo "restore of $dump into $dbname verified"
