#!/usr/bin/env bash
# Back up the PostCash PostgreSQL database to one file.
#
#   scripts/backup.sh [DATABASE_URL] [OUTPUT_FILE]
#
# DATABASE_URL defaults to $DATABASE_URL; a SQLAlchemy URL (postgresql+psycopg://…)
# is accepted. OUTPUT_FILE defaults to postcash-<UTC timestamp>.dump.
#
# pg_dump takes one consistent snapshot (every ledger entry with all its postings,
# every audit event with its chain head) without blocking the application, in the
# custom format (-Fc): compressed, restorable in parallel and table by table.
# The file is written under a temporary name and renamed once complete, so a
# crashed backup never leaves a file that looks good.
set -euo pipefail

url="${1:-${DATABASE_URL:-}}"
if [[ -z "$url" ]]; then
  echo "usage: $0 [DATABASE_URL] [OUTPUT_FILE] (or set DATABASE_URL)" >&2
  exit 2
fi
if [[ ! "$url" =~ ^postgres(ql)?(\+[a-z0-9]+)?:// ]]; then
  echo "backup.sh: only PostgreSQL can be backed up this way" >&2
  exit 2
fi
libpq_url="$(sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#' <<<"$url")"
out="${2:-postcash-$(date -u +%Y%m%dT%H%M%SZ).dump}"
partial="$out.partial"

trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --compress=6 --file="$partial" --dbname="$libpq_url"
pg_restore --list "$partial" >/dev/null  # the archive's table of contents is readable
mv "$partial" "$out"
trap - EXIT
echo "backup written to $out ($(du -h "$out" | cut -f1))"
