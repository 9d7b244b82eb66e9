#!/usr/bin/env bash
# Benchmark: how long `safecampus serve` takes to answer its heaviest pages.
#
#   tests/bench/web_render.sh [REQUESTS]        (default 50 requests per page)
#
#   list       /k/hazard of a school store holding 10,000 hazards (imported
#              from a CSV: the first page of 200, and the last), a search
#              over all of them (?q=, ~1 % match) and a status filter
#   home       / (what is due this week, what is overdue, the kinds) of
#              that store, of the bureau's and of a generated school's
#   dashboard  /dashboard and /dashboard/frame (the charts page) of the
#              bureau's store for a generated district: scgen --seed 2026,
#              12 schools, one term, synced through a real safecampusd, the
#              dashboard fetched with `dashboard --refresh`
# Each page is requested REQUESTS times, one after another, with curl (a new
# connection each time); the time is curl's time_total (request sent to the
# last byte received, on loopback); the script prints the median, the 95th
# percentile and the maximum in milliseconds, and the page's size.
# The target (issue 12): the list page under 100 ms.
# Needs PostgreSQL: the cluster tests/run.sh starts (PGHOST, PGPORT, PGUSER),
# or it starts its own (tests/lib/pg.sh). SC_BIN_DIR: build directory
# (default ./build).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${SC_BIN_DIR:-$ROOT/build}
N=${1:-50}
SC=$BIN/safecampus
for b in safecampus safecampusd scgen; do
  [[ -x $BIN/$b ]] || { echo "web_render.sh: $b not found in $BIN (build first, or set SC_BIN_DIR)" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "web_render.sh: needs curl" >&2; exit 1; }
source tests/lib/ports.sh

TMP=$(mktemp -d /tmp/sc-bench-web.XXXXXX)
OWN_PG= SERVER_PID= WEB_PID= DB=
cleanup() {
  # SC_BENCH_KEEP=DIR keeps the stores measured there, to profile a page on them
  [[ -n ${SC_BENCH_KEEP:-} ]] && mkdir -p "$SC_BENCH_KEEP" && cp "$TMP"/stores/*.db "$TMP"/x.db "$SC_BENCH_KEEP"/ 2>/dev/null
  [[ -n $WEB_PID ]] && kill "$WEB_PID" 2>/dev/null && wait "$WEB_PID" 2>/dev/null
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ -n $DB ]] && psql -qX -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1
  [[ -n $OWN_PG ]] && pg_stop "$OWN_PG"
  rm -rf "$TMP"
}
trap cleanup EXIT
if [[ -z ${PGHOST:-} ]]; then
  source tests/lib/pg.sh
  OWN_PG=$TMP/pg
  pg_start "$OWN_PG" >/dev/null
fi

# serve STORE: starts `safecampus serve --no-sync` on it, waits for it
serve() {
  [[ -z $WEB_PID ]] || { kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null || true; }
  WP=$(sc_free_port)
  "$SC" --store "$1" serve --no-sync --listen 127.0.0.1:$WP >>"$TMP/serve.log" 2>&1 &
  WEB_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && return 0; sleep 0.1; done
  echo "serve did not start"; cat "$TMP/serve.log"; exit 1
}

# measure NAME PATH: N requests, prints median/p95/max in ms and the size
measure() {
  local name=$1 path=$2 size
  curl -s -o "$TMP/page" -H 'Accept-Language: zh-CN' "http://127.0.0.1:$WP$path" # warm-up
  size=$(stat -c %s "$TMP/page")
  for _ in $(seq "$N"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Accept-Language: zh-CN' "http://127.0.0.1:$WP$path"
  done >"$TMP/times"
  if grep -qv '^200 ' "$TMP/times"; then echo "$name: not every answer was 200"; sort "$TMP/times" | uniq -c | head; exit 1; fi
  awk '{print $2 * 1000}' "$TMP/times" | sort -n | awk -v name="$name" -v size="$size" -v path="$path" '
    { t[NR] = $1 }
    END {
      med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      p95 = t[int(NR * 0.95 + 0.999)]
      printf "%-22s %8.1f %8.1f %8.1f %9d  %s\n", name, med, p95, t[NR], size, path
    }'
}

# ---------------------------------------------------------------- a district
pki=$TMP/pki
deploy/pki.sh "$pki" d1 localhost >/dev/null 2>&1
deploy/pki.sh issue "$pki" bureau office >/dev/null 2>&1
for i in $(seq -w 1 12); do deploy/pki.sh issue "$pki" school$i main >/dev/null 2>&1; done
deploy/pki.sh issue "$pki" schoolX main >/dev/null 2>&1
DB=sc_bench_web_$$
psql -qX -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null
PORT=$(sc_free_port)
cat >"$TMP/server.conf" <<CONF
listen = 127.0.0.1:$PORT
cert = $pki/server.crt
key = $pki/server.key
ca = $pki/ca.crt
district = d1
database = host=$PGHOST port=$PGPORT user=$PGUSER dbname=$DB
log_level = warn
require_signatures = 0
CONF
init() { # STORE CERT
  "$SC" --store "$1" init --server 127.0.0.1:$PORT --server-name localhost --cert "$pki/$2.crt" \
    --key "$pki/$2.key" --ca "$pki/ca.crt" >/dev/null
}
mkdir -p "$TMP/stores"
init "$TMP/stores/bureau-office.db" bureau-office
for i in $(seq -w 1 12); do init "$TMP/stores/school$i-main.db" school$i-main; done
echo "generating the district (scgen --seed 2026, 12 schools, one term) ..." >&2
"$BIN/scgen" --seed 2026 --term-start 2026-09-01 --term-end 2027-01-22 --today 2026-12-03 \
  --stores "$TMP/stores" >/dev/null 2>"$TMP/scgen.log" || { cat "$TMP/scgen.log"; exit 1; }
"$BIN/safecampusd" --config "$TMP/server.conf" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do ss -Htln | awk '{print $4}' | grep -q ":$PORT\$" && break; sleep 0.1; done
echo "syncing it through safecampusd ..." >&2
"$SC" --store "$TMP/stores/bureau-office.db" sync --timeout-ms 120000 >/dev/null
for i in $(seq -w 1 12); do "$SC" --store "$TMP/stores/school$i-main.db" sync --timeout-ms 120000 >/dev/null; done
"$SC" --store "$TMP/stores/bureau-office.db" sync --timeout-ms 120000 >/dev/null
"$SC" --store "$TMP/stores/bureau-office.db" dashboard --refresh >/dev/null

# ---------------------------------------------------------------- 10,000 hazards
init "$TMP/x.db" schoolX-main
echo "importing 10,000 hazards ..." >&2
awk 'BEGIN {
  split("fire building facility food traffic other", a, " "); split("low medium high critical", s, " ")
  print "title,area,severity,location,found_date,reporter"
  for (i = 1; i <= 10000; i++)
    printf "隐患 %05d %s,%s,%s,教学楼 %d 层,2026-%02d-%02d,安全员 %d\n", i, (i % 100 == 0 ? "消防通道堵塞" : "护栏松动"),
      a[i % 6 + 1], s[i % 4 + 1], i % 6 + 1, i % 11 + 1, i % 28 + 1, i % 7
}' >"$TMP/h.csv"
"$SC" --store "$TMP/x.db" import hazard "$TMP/h.csv" >/dev/null
n=$(sqlite3 "$TMP/x.db" "select count(*) from records where kind = 'hazard'" 2>/dev/null || echo "?")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $N requests per page"
printf '%-22s %8s %8s %8s %9s  %s\n' page "median" "p95" "max" "bytes" "path (ms)"
serve "$TMP/x.db"
echo "# a school store with $n hazards"
measure "list, first page" "/k/hazard"
measure "list, last page" "/k/hazard?page=50"
measure "list, search (1 %)" "/k/hazard?q=%E6%B6%88%E9%98%B2"
measure "list, status filter" "/k/hazard?status=reported"
measure "home" "/"
serve "$TMP/stores/bureau-office.db"
echo "# the bureau's store, 12 schools + the bureau's notices, $(sqlite3 "$TMP/stores/bureau-office.db" 'select count(*) from records' 2>/dev/null || echo '?') records"
measure "district dashboard" "/dashboard"
measure "dashboard charts" "/dashboard/frame"
measure "list, 1530 sessions" "/k/education"
measure "home (bureau)" "/"
serve "$TMP/stores/school01-main.db"
echo "# a generated school's store, $(sqlite3 "$TMP/stores/school01-main.db" 'select count(*) from records' 2>/dev/null || echo '?') records"
measure "home (school01)" "/"
