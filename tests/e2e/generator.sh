#!/usr/bin/env bash
# The data generator (tests/data/scgen, tests/data/README.md):
#   - the same seed gives the same bytes, another seed other bytes;
#   - the counts per school are the example school's (24 classes, 71 staff,
#     7 buses, 296 riders), with drills in most months;
#   - a three-school term written into client stores and synced through the
#     real path lands in PostgreSQL with exactly the counts scgen reports and
#     nothing rejected;
#   - the COPY output of the same options loads into a fresh database with the
#     same counts, and the same derived hazard and notice states the server
#     computed from the synced events.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
SCGEN=$SC_BIN_DIR/scgen
[[ -x $SCGEN ]] || SCGEN=$SC_BIN_DIR/tests/data/scgen
[[ -x $SCGEN ]] || { echo "scgen not built (add_subdirectory(tests/data))"; exit 1; }
e2e_init generator
COPY_DB="${E2E_DB}_copy"
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$COPY_DB\" WITH (FORCE)" >/dev/null 2>&1; e2e_cleanup' EXIT
TERM_OPTS=(--term-start 2026-09-01 --term-end 2027-01-22 --today 2026-11-29)

# ---- determinism
digest() { (cd "$1" && sha256sum ./*.copy load.sql load.sh | sha256sum | cut -d' ' -f1); }
gen() { "$SCGEN" "$@" 2>>"$T/scgen.log" || { echo "scgen $* failed:"; cat "$T/scgen.log"; exit 1; }; }
gen --seed 7 --schools 4 "${TERM_OPTS[@]}" --copy "$T/a"
gen --seed 7 --schools 4 "${TERM_OPTS[@]}" --copy "$T/b"
gen --seed 8 --schools 4 "${TERM_OPTS[@]}" --copy "$T/c"
check "same seed: byte-identical COPY output" eq "$(digest "$T/a")" "$(digest "$T/b")"
check "another seed: different output" test "$(digest "$T/a")" != "$(digest "$T/c")"
check "ids are version 4 UUIDs" bash -c "cut -f1 '$T/a/staff.copy' | grep -Evq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$' && exit 1 || exit 0"

# ---- counts of a 12-school term are plausible
gen --seed 2026 "${TERM_OPTS[@]}" --stats --counts "$T/c12.tsv" >"$T/stats12.txt"
per_school() { # KIND -> "min max" over the 12 schools
	awk -F'\t' -v k="$1" '$2 == k && $1 != "" { n++; if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3 }
		END { print (n == 12 ? min " " max : "only " n " schools") }' "$T/c12.tsv"
}
check "71 staff at every school" eq "$(per_school staff)" "71 71"
check "24 classes at every school" eq "$(per_school school_class)" "24 24"
check "7 buses at every school" eq "$(per_school bus)" "7 7"
check "296 riders at every school" eq "$(per_school bus_rider)" "296 296"
check "one profile per school" eq "$(per_school school_profile)" "1 1"
# 60 school days so far: 24 classes x (60 daily + ~13 weekly + ~11 weekend + ~3 holiday), a few % missed
check "1530 sessions: about 2,000 per school" bash -c "read a b <<<\"$(per_school education)\"; ((a >= 1800 && b <= 2100))"
check "two bus trips per bus per school day" eq "$(per_school bus_trip)" "840 840"
check "drills in most months, every school" \
	bash -c "awk '\$1 ~ /^school[0-9]+\$/ { split(\$4, d, \"/\"); if (d[1] < d[2] - 1 || d[2] < 2) bad++; n++; held += d[1]; due += d[2] }
		END { exit !(n == 12 && !bad && held >= 0.8 * due) }' '$T/stats12.txt'"
check "some schools skip a month's drill" \
	bash -c "awk '\$1 ~ /^school[0-9]+\$/ { split(\$4, d, \"/\"); if (d[1] < d[2]) s++ } END { exit !(s >= 1) }' '$T/stats12.txt'"
check "hazards at every school, some overdue" \
	bash -c "awk '\$1 ~ /^school[0-9]+\$/ { if (\$6 < 5) bad++; od += \$8 } END { exit !(!bad && od >= 1) }' '$T/stats12.txt'"
check "a few bus trip mismatches" \
	bash -c "awk '\$1 ~ /^school[0-9]+\$/ { m += \$11 } END { exit !(m >= 1 && m <= 60) }' '$T/stats12.txt'"
check "notices and the calendar from the bureau" \
	bash -c "grep -qP '^\tnotice\t[4-8]\$' '$T/c12.tsv' && grep -qP '^\tcalendar\t1\$' '$T/c12.tsv'"
check "the canteen LPG risk" grep -q '瓶装液化气' "$T/a/risk.copy"

# ---- three schools through client stores and sync
mkdir -p "$T/stores"
# scgen writes synthetic records without people: their sign-offs are unsigned
echo "require_signatures = 0" >>"$T/server.conf"
client_new stores/bureau-office bureau office
client_new stores/school01-main school01 main
client_new stores/school01-east school01 east
client_new stores/school02-main school02 main
client_new stores/school03-main school03 main
check_fail "a missing store is refused" "$SCGEN" --seed 2026 --schools 4 "${TERM_OPTS[@]}" --stores "$T/stores"
check_fail "a store of another district is refused" "$SCGEN" --seed 2026 --schools 3 "${TERM_OPTS[@]}" \
	--district d2 --stores "$T/stores"
check "scgen writes the stores" "$SCGEN" --seed 2026 --schools 3 "${TERM_OPTS[@]}" --stores "$T/stores" \
	--counts "$T/c3.tsv"
server_start || exit 1
sync_ok() { # STORE: pushed everything, nothing rejected
	sc "$1" sync --timeout-ms 60000 >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; return 1; }
	grep -q 'rejected 0,' "$T/sync.out" || { cat "$T/sync.out"; return 1; }
	sc "$1" status | grep -Eq '^rejected: +0$' && sc "$1" status | grep -Eq '^pending: +0$'
}
check "bureau syncs first (notices)" sync_ok stores/bureau-office
for s in school01-main school01-east school02-main school03-main; do
	check "$s syncs, nothing rejected" sync_ok "stores/$s"
done
check "bureau pulls the district" sync_ok stores/bureau-office

db_counts() { # DATABASE -> school<TAB>kind<TAB>count, sorted, as scgen --counts
	# every kind's table has written_by; escalations are the server's own events
	local q
	q=$(psql -qAtX -d "$1" -c "select string_agg(format(
		'select school, %L, count(*) from %I where not deleted %s group by school', t, t,
		case t when 'hazard_event' then 'and action <> ''escalate''' else '' end), ' union all ')
		from (select table_name::text as t from information_schema.columns
		      where table_schema = current_schema() and column_name = 'written_by') k") || return 1
	psql -qAtX -F $'\t' -d "$1" -c "$q" | LC_ALL=C sort
}
LC_ALL=C sort "$T/c3.tsv" >"$T/c3.sorted"
db_counts "$E2E_DB" >"$T/synced.tsv"
check "PostgreSQL holds exactly what scgen reported (every school and kind)" diff "$T/c3.sorted" "$T/synced.tsv"
total=$(awk -F'\t' '{ n += $3 } END { print n }' "$T/c3.tsv")
bureau_n=$(sc stores/bureau-office status | sed -n 's/^store:.*(\([0-9]*\) record.*/\1/p')
check "the bureau's store holds the whole district" test "${bureau_n:-0}" -ge "$total"
check "reports were accepted as reports" test "$(sql "select count(*) from notice_status where reported_hlc > 0")" -eq \
	"$(sql "select count(*) from notice_event where action = 'report'")"
check "east campus rows came from east" test "$(sql "select count(*) from gate_duty where campus = 'east' and written_by = 'east'")" -gt 0

# ---- the same options as COPY files, into a fresh database
psql -q -d postgres -c "CREATE DATABASE \"$COPY_DB\"" >/dev/null || exit 1
check "migrations on a fresh database" "$SAFECAMPUSD" --config "$T/server.conf" --migrate-only \
	--database="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$COPY_DB"
check "scgen writes COPY files" "$SCGEN" --seed 2026 --schools 3 "${TERM_OPTS[@]}" --copy "$T/copy3"
check "load.sh loads them without error" bash -c "'$T/copy3/load.sh' -d '$COPY_DB' >'$T/load.out' 2>&1 && ! grep -q ERROR '$T/load.out'"
db_counts "$COPY_DB" >"$T/copied.tsv"
check "the COPY database holds the same counts" diff "$T/c3.sorted" "$T/copied.tsv"
hz_state="select id, state, owner, coalesce(deadline::text, ''), rectified_by, reopen_count,
	verified_at is not null, closed_at is not null from hazard order by id"
check "derived hazard columns equal the server's" \
	diff <(psql -qAtX -d "$E2E_DB" -c "$hz_state") <(psql -qAtX -d "$COPY_DB" -c "$hz_state")
ns_state="select school, notice_id, acked_hlc > 0, reported_hlc > 0, report_date, late from notice_status order by 1, 2"
check "notice_status equals the server's" \
	diff <(psql -qAtX -d "$E2E_DB" -c "$ns_state") <(psql -qAtX -d "$COPY_DB" -c "$ns_state")
check "sync_seq is past every loaded row" test "$(psql -qAtX -d "$COPY_DB" -c "select nextval('sync_seq')")" -gt \
	"$(psql -qAtX -d "$COPY_DB" -c "select max(seq) from education")"
e2e_done
