#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and print its URL.
# Usage: eval "$(bash .ci/postgres.sh)"   (exports PATRON_TEST_POSTGRES_URL)
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
PGDATA=${PGDATA:-/tmp/patron-pg}
PGPORT=${PGPORT:-55432}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA"; mkdir -p "$PGDATA"; chown postgres:postgres "$PGDATA" 2>/dev/null || true
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
fi
if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" -w start >/dev/null
fi
runuser -u postgres -- psql -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='patron_test'" | grep -q 1 \
  || runuser -u postgres -- createdb -h 127.0.0.1 -p "$PGPORT" -U postgres patron_test
# trigram search lives in public once, as on a real server, not in a test's own schema
runuser -u postgres -- psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d patron_test -qtAc \
  "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" >/dev/null 2>&1 || true
echo "export PATRON_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PGPORT/patron_test"
