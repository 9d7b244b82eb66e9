#!/usr/bin/env bash
# Benchmark: how long the annual report takes to draft from a generated
# district's stores (tests/data's scgen, a school year 2025-09-01..2026-07-03).
#
#   SC_SOURCE_DIR=$PWD SC_BIN_DIR=$PWD/build tests/bench/report.sh [SCHOOLS]
#
# Writes SCHOOLS schools (default 12) into client stores, syncs them through
# a real safecampusd so the bureau's store holds every school's records,
# then measures (median of 5 runs, wall clock):
#   school   `report annual --year 2025` at one school (its own store)
#   bureau   the same at the bureau: the district and every school, one pass
#   page     GET /report?year=2025 at the bureau's `safecampus serve` (curl)
# Needs PostgreSQL as the e2e tests do (PGHOST, PGPORT, PGUSER).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
N=${1:-12}
SCGEN=$SC_BIN_DIR/scgen
[[ -x $SCGEN ]] || SCGEN=$SC_BIN_DIR/tests/data/scgen
e2e_init bench_report
echo "require_signatures = 0" >>"$T/server.conf" # scgen's sign-offs are unsigned
mkdir -p "$T/st"
client_new st/bureau-office bureau office
for i in $(seq -f %02g 1 "$N"); do client_new "st/school$i-main" "school$i" main; done
"$SCGEN" --seed 2026 --schools "$N" --term-start 2025-09-01 --term-end 2026-07-03 \
	--today 2026-07-03 --stores "$T/st" 2>&1 | tail -1
server_start || exit 1
for s in "$T"/st/*.db; do "$SAFECAMPUS" --store "$s" sync --timeout-ms 120000 >/dev/null || exit 1; done
"$SAFECAMPUS" --store "$T/st/bureau-office.db" sync --timeout-ms 120000 >/dev/null || exit 1
echo "bureau store: $("$SAFECAMPUS" --store "$T/st/bureau-office.db" status | grep -m1 -i records || true)"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
timeit() { # CMD...: seconds of 5 runs, median
	for _ in 1 2 3 4 5; do
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		echo "$t1 $t0" | awk "{ printf \"%.3f\\n\", \$1 - \$2 }"
	done | median
}
echo "school  $(timeit "$SAFECAMPUS" --store "$T/st/school01-main.db" report annual --year 2025) s"
echo "bureau  $(timeit "$SAFECAMPUS" --store "$T/st/bureau-office.db" report annual --year 2025) s"
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/st/bureau-office.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && break; sleep 0.1; done
echo "page    $(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$WP/report?year=2025"; done | median) s"
kill $SPID
