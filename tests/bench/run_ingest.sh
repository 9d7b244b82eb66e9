#!/usr/bin/env bash
# run_ingest.sh BUILD_DIR [ingest options...]
#
# The ingest benchmark, self-contained: starts a throwaway PostgreSQL
# (tests/lib/pg.sh), makes a district CA with one certificate per client
# school (deploy/pki.sh), starts safecampusd on a free loopback port, runs
# BUILD_DIR/tests/bench/ingest (COPY, the server's SQL, end to end) three
# times, prints the tables, and stops and removes everything it started:
#   1. large batches (-b, default 1000) into an empty district: the ingest
#      ratios against COPY binary and against the bare batched upsert;
#   2. small pushes (SMALL_BATCH records, default 50) into the empty district;
#   3. the same small pushes into a filled district: scgen's COPY files for
#      FILL (default 200 schools over 2024-12-01..2026-11-30, 4.3 M records,
#      31 k hazards, 123 k hazard events) loaded with its load.sh, then
#      VACUUM ANALYZE; ingest --append keeps them and removes only its own;
#   4. the same once more with hazard's dashboard triggers disabled (what the
#      triggers add to a record; TRIGGERS_OFF=0 skips it);
#   5. large batches (as 1) into the filled district, every method: the
#      ingest ratios where the goal asks for them (LARGE_FILLED=0 skips it);
#   6. small-sync latency in the filled district: LAT_SCHOOLS (default 100)
#      schools push Pushes of SMALL_BATCH as fast as acks return (one in
#      flight each: the saturation), then open loop (Poisson) at LAT_LOAD
#      (default 0.5) of that rate for about LAT_SECS (default 30) seconds:
#      the p50/p90/p99 of a Push (LAT_SCHOOLS=0 skips it);
#   7. sign-off pushes with signatures against without (ingest_sign: SIGN_N
#      assign events per variant and round in Pushes of SIGN_BATCH, default
#      10000 and 1000; SIGN_N=0 skips it, SIGN_ONLY=1 runs only this;
#      SIGN_CLIENTS=N: N schools at once, signed only, e.g. with
#      SERVER_ARGS=--workers=2).
# and ends with one summary line per method: push/s and the database's CPU
# per record, empty against filled (a push should cost the same in both),
# and the CPU per record with the triggers on against off.
#
#   tests/bench/run_ingest.sh build                 # N=200000, 4 clients, batch 1000
#   tests/bench/run_ingest.sh build -n 50000 -c 2   # any ingest option passes through
#   FILL=0 tests/bench/run_ingest.sh build          # no filled district (1 and 2 only)
#
# Environment:
#   SMALL_N         records of the small-push runs (default 20000: 400 Pushes)
#   SMALL_BATCH     records per small Push (default 50)
#   FILL            SCHOOLS:START:END of the filled district (scgen --seed 7;
#                   needs BUILD_DIR/scgen), or 0 for none
#   SMALL_ONLY      methods of the small-push runs
#                   (default copy-binary,upsert,push-sql,e2e)
#   PERF=1          afterwards, profile one more end-to-end run system-wide with
#                   `perf record -g` and print where the CPU went, by process
#                   and by symbol (needs perf; root or perf_event_paranoid <= 1)
#   AUTO_EXPLAIN_MS=N  log the plan of every statement slower than N ms
#                   (auto_explain) and summarise them at the end
#   KEEP=1          keep the scratch directory (server and PostgreSQL logs, perf data)
#   SAFECAMPUSD     another safecampusd binary (default BUILD_DIR/safecampusd),
#                   e.g. to measure a patched server against the same bench
#   AB              a second safecampusd binary (e.g. main's build), started beside
#                   the first on the same database: the filled district's large
#                   batches and latency runs are repeated against it right after,
#                   end to end only, so both servers are measured in one run
#   SERVER_ARGS     extra safecampusd flags, e.g. "--db_pool=8"
#   LOG_LEVEL       safecampusd log level (default info, as deployed)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
src=$(cd "$here/../.." && pwd -P)
build=${1:?usage: run_ingest.sh BUILD_DIR [ingest options]}
shift
build=$(cd "$build" && pwd -P) || exit 1
INGEST=$build/tests/bench/ingest
SAFECAMPUSD=${SAFECAMPUSD:-$build/safecampusd}
for b in "$INGEST" "$SAFECAMPUSD"; do
	[[ -x $b ]] || { echo "run_ingest: $b not built (cmake --build $build)" >&2; exit 1; }
done

# -c from the pass-through options: one certificate per client school
clients=4
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	[[ ${args[i]} == -c ]] && clients=${args[i + 1]}
	[[ ${args[i]} == -c?* ]] && clients=${args[i]#-c}
done

T=$(mktemp -d /tmp/sc-bench.XXXXXX)
SERVER_PID=
B_PID=
cleanup() {
	for pid in $SERVER_PID $B_PID; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	pg_stop "$T/pg" 2>/dev/null
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "run_ingest: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../lib/pg.sh
source "$src/tests/lib/pg.sh"
pg_start "$T/pg" 2>"$T/pg_start.log" || { cat "$T/pg_start.log" >&2; exit 1; }
# CHECKPOINT between methods, as the non-superuser the server uses
pg_psql "$T/pg" -q -c "GRANT pg_checkpoint TO safecampus" >/dev/null || exit 1
if [[ -n ${AUTO_EXPLAIN_MS:-} ]]; then
	pg_psql "$T/pg" -q -c "LOAD 'auto_explain'" \
		-c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
		-c "ALTER SYSTEM SET auto_explain.log_min_duration = '${AUTO_EXPLAIN_MS}ms'" \
		-c "ALTER SYSTEM SET auto_explain.log_level = 'warning'" \
		-c "SELECT pg_reload_conf()" >/dev/null || exit 1
fi

"$src/deploy/pki.sh" "$T/pki" d1 localhost >/dev/null || exit 1
"$src/deploy/pki.sh" people "$T/pki" >/dev/null 2>&1 || exit 1
certs=$clients
((${LAT_SCHOOLS:-100} > certs)) && certs=${LAT_SCHOOLS:-100}
for ((s = 1; s <= certs; s++)); do
	"$src/deploy/pki.sh" issue "$T/pki" "$(printf 'school%03d' "$s")" main >/dev/null || exit 1
done

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
	done
	echo "run_ingest: no free port" >&2
	return 1
}
port=$(free_port) || exit 1
cat >"$T/server.conf" <<CONF
listen = 127.0.0.1:$port
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
district = d1
database = $SC_PG_CONNINFO
log_level = ${LOG_LEVEL:-info}
# the bench measures ingest: no escalation pass (in a filled district it
# would escalate the generated overdue hazards in the middle of a run)
escalation_enabled = 0
# ingest_sign enrols its principal with this key; require_signatures = 0 lets
# its unsigned variant through (hazards, which nobody signs, are unaffected)
people_key = $T/pki/people-admin.pub
require_signatures = 0
# the latency run's schools all connect from 127.0.0.1
max_connections_per_address = 0
CONF
# shellcheck disable=SC2086
"$SAFECAMPUSD" --config "$T/server.conf" ${SERVER_ARGS:-} >"$T/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$SERVER_PID" 2>/dev/null || { echo "run_ingest: safecampusd exited:" >&2; tail "$T/server.log" >&2; exit 1; }
	sleep 0.1
done

if [[ -n ${AB:-} ]]; then
	[[ -x $AB ]] || { echo "run_ingest: AB=$AB is not an executable" >&2; exit 1; }
	port_b=$(free_port) || exit 1
	sed "s/^listen = .*/listen = 127.0.0.1:$port_b/" "$T/server.conf" >"$T/server-b.conf"
	# shellcheck disable=SC2086
	"$AB" --config "$T/server-b.conf" ${SERVER_ARGS:-} >"$T/server-b.log" 2>&1 &
	B_PID=$!
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port_b") 2>/dev/null && break
		kill -0 "$B_PID" 2>/dev/null || { echo "run_ingest: AB server exited:" >&2; tail "$T/server-b.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "run_ingest: A = $SAFECAMPUSD (port $port), B = $AB (port $port_b)"
fi
# the same run against server B (AB), end to end only
ingest_b() {
	[[ -n ${AB:-} ]] || return 0
	"$INGEST" -d "$SC_PG_CONNINFO" --server "127.0.0.1:$port_b" --pki "$T/pki" --server-pid "$B_PID" "$@"
	local rc=$?
	((rc == 0)) || { echo "run_ingest: ingest against B failed (exit $rc)" >&2; tail -20 "$T/server-b.log" >&2; exit "$rc"; }
}

echo "run_ingest: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
ingest() {
	"$INGEST" -d "$SC_PG_CONNINFO" --server "127.0.0.1:$port" --pki "$T/pki" --server-pid "$SERVER_PID" "$@"
	local rc=$?
	if ((rc != 0)); then
		echo "run_ingest: ingest failed (exit $rc); server log:" >&2
		tail -20 "$T/server.log" >&2
		exit "$rc"
	fi
}
SMALL_N=${SMALL_N:-20000}
SMALL_BATCH=${SMALL_BATCH:-50}
SMALL_ONLY=${SMALL_ONLY:-copy-binary,upsert,push-sql,e2e}
# two years that end before today: scgen refuses records dated in the future
FILL=${FILL:-200:2024-12-01:2026-11-30}

sign_bench() { # SCHOOL [ingest_sign options]
	"$build/tests/bench/ingest_sign" --server "127.0.0.1:$port" --pki "$T/pki" -n "${SIGN_N:-10000}" \
		--server-pid "$SERVER_PID" --pg-pid "$(head -1 "$T/pg/data/postmaster.pid")" \
		-b "${SIGN_BATCH:-1000}" -r "${SIGN_ROUNDS:-3}" --school "$1" "${@:2}"
}
if [[ ${SIGN_N:-10000} != 0 && ${SIGN_CLIENTS:-1} -gt 1 ]]; then
	# several campuses at once (with SERVER_ARGS=--workers=N: spread over
	# the workers), signed only; each client's CPU figures are the whole
	# server's over its own pushes, so they overlap
	((SIGN_CLIENTS <= clients)) || { echo "run_ingest: SIGN_CLIENTS above -c $clients" >&2; exit 1; }
	t0=$(date +%s.%N)
	for ((s = 1; s <= SIGN_CLIENTS; s++)); do
		sign_bench "$(printf 'school%03d' "$s")" --only signed >"$T/sign-$s.txt" 2>&1 &
	done
	wait_fail=0
	for ((s = 1; s <= SIGN_CLIENTS; s++)); do wait -n || wait_fail=1; done
	t1=$(date +%s.%N)
	for ((s = 1; s <= SIGN_CLIENTS; s++)); do sed "s/^/client $s: /" "$T/sign-$s.txt"; done
	((wait_fail == 0)) || { tail -20 "$T/server.log" >&2; exit 1; }
	awk -v n="${SIGN_N:-10000}" -v r="${SIGN_ROUNDS:-3}" -v c="$SIGN_CLIENTS" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "all %d clients: %.1f s from the first start to the last exit (hazards included)\n", c, b - a }'
	[[ ${SIGN_ONLY:-0} == 1 ]] && exit 0
	echo
elif [[ ${SIGN_N:-10000} != 0 ]]; then
	sign_bench school001 || { tail -20 "$T/server.log" >&2; exit 1; }
	[[ ${SIGN_ONLY:-0} == 1 ]] && exit 0
	echo
fi
ingest --label "empty district, large batches" "$@" | tee "$T/large.txt" || exit 1
echo
ingest --label "empty district, small pushes" "$@" -n "$SMALL_N" -b "$SMALL_BATCH" --only "$SMALL_ONLY" |
	tee "$T/small-empty.txt" || exit 1

if [[ $FILL != 0 ]]; then
	IFS=: read -r f_schools f_start f_end <<<"$FILL"
	SCGEN=$build/scgen
	[[ -x $SCGEN ]] || SCGEN=$build/tests/data/scgen
	[[ -x $SCGEN ]] || { echo "run_ingest: no scgen in $build: no filled district (FILL=0 to skip)" >&2; exit 1; }
	echo
	echo "run_ingest: filling the district: scgen --seed 7 --schools $f_schools $f_start..$f_end"
	t0=$(date +%s)
	"$SCGEN" --seed 7 --schools "$f_schools" --term-start "$f_start" --term-end "$f_end" --today "$f_end" \
		--copy "$T/fill" >"$T/scgen.log" 2>&1 || { cat "$T/scgen.log" >&2; exit 1; }
	# a district with history: the empty runs' rows go, the generated ones come
	pg_psql "$T/pg" -q -c "SET client_min_messages = warning" -c "TRUNCATE hazard, dash_hazard CASCADE" >/dev/null || exit 1
	"$T/fill/load.sh" -d "$SC_PG_CONNINFO" >"$T/load.log" 2>&1 || { tail "$T/load.log" >&2; exit 1; }
	pg_psql "$T/pg" -q -c "VACUUM ANALYZE" >/dev/null 2>&1
	echo "run_ingest: $(tail -1 "$T/scgen.log"); loaded and analysed in $(($(date +%s) - t0)) s;" \
		"$(pg_psql "$T/pg" -XAt -c "SELECT (SELECT count(*) FROM hazard) || ' hazards, ' ||
			(SELECT count(*) FROM hazard_event) || ' hazard events, ' ||
			(SELECT count(*) FROM education) || ' \"1530\" sessions, ' ||
			(SELECT pg_size_pretty(pg_database_size(current_database())))")"
	echo
	ingest --label "filled district ($f_schools schools, $f_start..$f_end), small pushes" "$@" \
		-n "$SMALL_N" -b "$SMALL_BATCH" --only "$SMALL_ONLY" --append | tee "$T/small-filled.txt" || exit 1
	if [[ ${TRIGGERS_OFF:-1} == 1 ]]; then
		echo
		pg_psql "$T/pg" -q -c "ALTER TABLE hazard DISABLE TRIGGER USER" >/dev/null || exit 1
		ingest --label "filled district, hazard's dashboard triggers disabled, small pushes" "$@" \
			-n "$SMALL_N" -b "$SMALL_BATCH" --only "$SMALL_ONLY" --append |
			tee "$T/small-off.txt" || exit 1
		pg_psql "$T/pg" -q -c "ALTER TABLE hazard ENABLE TRIGGER USER" >/dev/null || exit 1
	fi

	if [[ ${LARGE_FILLED:-1} == 1 ]]; then
		echo
		ingest --label "filled district ($f_schools schools, $f_start..$f_end), large batches" "$@" \
			--append | tee "$T/large-filled.txt" || exit 1
		ingest_b --label "server B, filled district, large batches" "$@" --only upsert,e2e --append |
			tee "$T/large-filled-b.txt" || exit 1
	fi
	LAT_SCHOOLS=${LAT_SCHOOLS:-100}
	if ((LAT_SCHOOLS > 0)); then
		echo
		# saturation: every school one Push in flight, as fast as acks return
		ingest --label "filled district, $LAT_SCHOOLS schools, Pushes of $SMALL_BATCH, closed loop" \
			"$@" -c "$LAT_SCHOOLS" -b "$SMALL_BATCH" -w 1 --only e2e --append \
			-n $((LAT_SCHOOLS * SMALL_BATCH * ${LAT_SAT_PUSHES:-10})) | tee "$T/lat-sat.txt" || exit 1
		ingest_b --label "server B, filled district, $LAT_SCHOOLS schools, closed loop" \
			"$@" -c "$LAT_SCHOOLS" -b "$SMALL_BATCH" -w 1 --only e2e --append \
			-n $((LAT_SCHOOLS * SMALL_BATCH * ${LAT_SAT_PUSHES:-10})) | tee "$T/lat-sat-b.txt" || exit 1
		sat=$(awk 'index($0, "end to end") == 1 { n = split(substr($0, 36), f, " "); print f[4] }' "$T/lat-sat.txt")
		rate=$(awk -v s="$sat" -v l="${LAT_LOAD:-0.5}" 'BEGIN { printf "%.1f", s * l }')
		per=$(awk -v r="$rate" -v t="${LAT_SECS:-30}" -v c="$LAT_SCHOOLS" 'BEGIN { p = int(r * t / c + 0.999); print p < 1 ? 1 : p }')
		echo
		ingest --label "filled district, $LAT_SCHOOLS schools, Pushes of $SMALL_BATCH, open loop at $rate Push/s" \
			"$@" -c "$LAT_SCHOOLS" -b "$SMALL_BATCH" -w 4 --only e2e --append --rate "$rate" \
			-n $((LAT_SCHOOLS * SMALL_BATCH * per)) | tee "$T/lat-rate.txt" || exit 1
		ingest_b --label "server B, filled district, $LAT_SCHOOLS schools, open loop at $rate Push/s" \
			"$@" -c "$LAT_SCHOOLS" -b "$SMALL_BATCH" -w 4 --only e2e --append --rate "$rate" \
			-n $((LAT_SCHOOLS * SMALL_BATCH * per)) | tee "$T/lat-rate-b.txt" || exit 1
	fi

	# one line per method: the same push, empty against filled
	echo
	echo "== small pushes ($SMALL_BATCH records): empty district -> filled district"
	row() { # FILE METHOD-PREFIX -> "push/s pg-sess-us/row"
		awk -v m="$2" 'index($0, m) == 1 { n = split(substr($0, 36), f, " "); print f[4], f[n] }' "$1"
	}
	for m in "upsert only" "push.c SQL" "end to end"; do
		read -r pe ue <<<"$(row "$T/small-empty.txt" "$m")"
		read -r pf uf <<<"$(row "$T/small-filled.txt" "$m")"
		[[ -n $pe && -n $pf ]] || continue
		awk -v m="$m" -v pe="$pe" -v pf="$pf" -v ue="$ue" -v uf="$uf" 'BEGIN {
			printf "%-12s push/s %7.1f -> %7.1f (x%.2f)   pg sess us/row %7.1f -> %7.1f (x%.2f)\n",
			       m, pe, pf, pf / pe, ue, uf, (ue > 0 ? uf / ue : 0) }'
	done
	if [[ -s $T/small-off.txt ]]; then
		echo "== the same in the filled district: pg sess us/row, triggers off -> on"
		for m in "upsert only" "push.c SQL" "end to end"; do
			read -r _ uo <<<"$(row "$T/small-off.txt" "$m")"
			read -r _ uf <<<"$(row "$T/small-filled.txt" "$m")"
			[[ -n $uo && -n $uf ]] || continue
			awk -v m="$m" -v uo="$uo" -v uf="$uf" 'BEGIN {
				printf "%-12s %7.1f -> %7.1f (+%.1f us per record)\n", m, uo, uf, uf - uo }'
		done
	fi
fi

if [[ -s $T/large-filled.txt ]]; then
	echo
	echo "== large batches: empty district -> filled district (rows/s; vs COPY binary, vs upsert only)"
	for m in "COPY binary" "upsert only" "push.c SQL" "end to end"; do
		read -r re ce ue <<<"$(awk -v m="$m" 'index($0, m) == 1 { split(substr($0, 36), f, " "); print f[3], f[5], f[6] }' "$T/large.txt")"
		read -r rf cf uf <<<"$(awk -v m="$m" 'index($0, m) == 1 { split(substr($0, 36), f, " "); print f[3], f[5], f[6] }' "$T/large-filled.txt")"
		[[ -n $re && -n $rf ]] || continue
		printf '%-12s %8s -> %8s rows/s   vs COPY %s -> %s   vs ups %s -> %s\n' "$m" "$re" "$rf" "$ce" "$cf" "$ue" "$uf"
	done
	if [[ -s $T/large-filled-b.txt ]]; then
		grep -E '^(upsert only|end to end)' "$T/large-filled-b.txt" | sed 's/^/server B: /'
	fi
fi
if [[ -s $T/lat-rate.txt ]]; then
	echo
	echo "== small-sync latency, filled district, $LAT_SCHOOLS schools, Pushes of $SMALL_BATCH"
	echo "saturation (closed loop, 1 in flight per school): $sat Push/s"
	grep '^latency' "$T/lat-sat.txt" "$T/lat-rate.txt" | sed 's/^[^:]*://'
	if [[ -s $T/lat-rate-b.txt ]]; then
		grep -E '^end to end' "$T/lat-sat-b.txt" | sed 's/^/server B saturation: /'
		grep '^latency' "$T/lat-sat-b.txt" "$T/lat-rate-b.txt" | sed 's/^[^:]*:/server B: /'
	fi
fi

explain_summary() {
	[[ -n ${AUTO_EXPLAIN_MS:-} ]] || return 0
	echo
	echo "== statements slower than ${AUTO_EXPLAIN_MS} ms (auto_explain, $T/pg/postgres.log): count, plan lines"
	awk '/WARNING:  duration/ { getline q; sub(/^[ \t]*Query Text: /, "", q); print substr(q, 1, 70) }' \
		"$T/pg/postgres.log" | sort | uniq -c | sort -rn | head
	grep -A12 'WARNING:  duration' "$T/pg/postgres.log" | grep -E 'Scan|Filter|Cond' |
		sed -E 's/\(cost=[^)]*\)//; s/\$[0-9]+/$/g' | cut -c1-110 | sort | uniq -c | sort -rn | head -12
}
explain_summary

if [[ ${PERF:-0} == 1 ]]; then
	command -v perf >/dev/null || { echo "run_ingest: PERF=1 but no perf" >&2; exit 1; }
	echo
	echo "run_ingest: profiling one more end-to-end run (perf record -a -g, 999 Hz)"
	perf record -q -a -g -F 999 -o "$T/perf.data" -- \
		"$INGEST" -d "$SC_PG_CONNINFO" --server "127.0.0.1:$port" --pki "$T/pki" \
		--server-pid "$SERVER_PID" --only e2e "$@" >"$T/perf-run.txt" 2>&1 || {
		cat "$T/perf-run.txt"; exit 1; }
	grep -E '^(method|end to end)' "$T/perf-run.txt"
	pool=$(psql -XAtq -d "$SC_PG_CONNINFO" -c "SELECT string_agg(pid::text, ',') FROM pg_stat_activity
		WHERE application_name = 'safecampusd'")
	report() { perf report -i "$T/perf.data" --no-children --stdio -g none "$@" 2>/dev/null |
		grep -v '^#' | grep -v '^$'; }
	echo
	echo "== CPU samples by process, whole machine (includes other tenants)"
	report --sort comm | head -8
	echo
	echo "== safecampusd (pid $SERVER_PID): top symbols, % of its own samples"
	report --pid "$SERVER_PID" --percentage relative --sort dso,sym | head -25
	echo
	echo "== its PostgreSQL pool backends ($pool): top symbols"
	report --pid "$pool" --percentage relative --sort dso,sym | head -25
	explain_summary
fi
