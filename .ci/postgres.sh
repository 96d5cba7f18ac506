# Sourced by .ci/run: starts a throwaway PostgreSQL server on 127.0.0.1 for the tests and
# exports WATCHLIST_TEST_POSTGRES_URL. Installs Debian's `postgresql` package when it is absent
# (as root). The server is a fresh cluster in its own folder on a fixed port; whatever an
# earlier run left there is stopped and removed first, and the server is stopped and its
# folder removed when the calling shell exits.
#
# Also usable by hand for a local test server:
#   WATCHLIST_CI_PG_KEEP=1 source .ci/postgres.sh   (keeps it running; stop with pg_stop)

WATCHLIST_CI_PG_PORT=${WATCHLIST_CI_PG_PORT:-54329}
# In /tmp, which the postgres user can enter whoever runs this.
PG_DIR="/tmp/watchlist-ci-pg-${WATCHLIST_CI_PG_PORT}"

pg_bindir() {
    # The newest server installed (the client package alone has a bin/ without initdb).
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$initdb" ]; then dirname "$initdb"; fi
}

pg_as_owner() {
    # initdb and the server refuse to run as root: run them as the postgres user (from /,
    # which that user can always enter).
    if [ "$(id -u)" = 0 ]; then
        (cd / && "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_stop() {
    local bindir
    bindir="$(pg_bindir)"
    if [ -n "$bindir" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
        pg_as_owner "$bindir/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 \
            || pg_as_owner "$bindir/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
                >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
}

pg_start() {
    local bindir
    bindir="$(pg_bindir)"
    if [ -z "$bindir" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "PostgreSQL is not installed and this is not root: the PostgreSQL tests" \
                 "will be skipped" >&2
            return 0
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bindir="$(pg_bindir)"
        # The package may start its own default cluster; the tests use a private one.
        if command -v pg_lsclusters >/dev/null; then
            pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
                pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
            done
        fi
    fi
    pg_stop
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    # C collation: text sorts by code point, as on SQLite.
    pg_as_owner "$bindir/initdb" -D "$PG_DIR/data" -U postgres --encoding=UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2; pg_stop; return 1; }
    # A throwaway server: durability settings off for speed.
    if ! pg_as_owner "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $WATCHLIST_CI_PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
        echo "PostgreSQL did not start on port $WATCHLIST_CI_PG_PORT:" >&2
        tail -n 20 "$PG_DIR/server.log" >&2 || true
        pg_stop
        return 1
    fi
    pg_as_owner "$bindir/psql" -h "$PG_DIR" -p "$WATCHLIST_CI_PG_PORT" -U postgres -q \
        -v ON_ERROR_STOP=1 -d postgres \
        -c "CREATE ROLE watchlist LOGIN PASSWORD 'watchlist'" \
        -c "CREATE DATABASE watchlist_test OWNER watchlist" >/dev/null || { pg_stop; return 1; }
    export WATCHLIST_TEST_POSTGRES_URL="postgresql+psycopg://watchlist:watchlist@127.0.0.1:${WATCHLIST_CI_PG_PORT}/watchlist_test"
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') for the tests on" \
         "127.0.0.1:$WATCHLIST_CI_PG_PORT"
}

if [ -z "${WATCHLIST_CI_PG_KEEP:-}" ]; then
    trap pg_stop EXIT
fi
pg_start
