#!/usr/bin/env bash
# `safecampus import KIND FILE.csv`, end to end:
#   - RFC 4180 input (byte-order mark, CRLF, quoted commas, doubled quotes,
#     a line break inside a cell, UTF-8) with bad rows at known lines: each is
#     reported as FILE:LINE: field: message, the good rows are imported, exit 1,
#     "imported N, rejected M";
#   - header errors refuse the whole file; a row's parent must be known; a
#     school cannot import the bureau's kinds; a bus trip mismatch raises the
#     alarm on import too;
#   - export then import: into a fresh store of the same school the records
#     come back field by field with their ids; into the same store nothing
#     changes; an edited cell updates just that record;
#   - kill -9 during a 20 000-row import leaves all of the rows or none.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init import_csv
client_new amain schoolA main
client_new aeast schoolA east
client_new awest schoolA west
client_new bureau bureau office
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
person_new awest vp-awest vice_principal; as_default awest vp-awest
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau
server_start

count() { # count CLIENT KIND: records of KIND in the store
  sc "$1" list "$2" | tail -1 | awk '{print $1}'
}

# ---------------------------------------------------------------- bad rows at known lines
f=$T/meetings.csv
{
  printf '\xef\xbb\xbf'                                                       # BOM
  printf 'type,meeting_date,title,attendees,minutes\r\n'                      # line 1
  printf 'guard,2026-03-01,"Gate rules, winter",5,"line one\r\nline ""two"""\r\n' # lines 2-3
  printf 'bogus,2026-03-02,Bad type,1,\r\n'                                   # line 4
  printf 'guard,2026-02-30,Bad date,1,\r\n'                                   # line 5
  printf 'guard,2026-03-03,,1,\r\n'                                           # line 6: no title
  printf 'guard,2026-03-04,Too few\r\n'                                       # line 7
  printf '\r\n'                                                               # line 8: blank
  printf 'all_staff_training,2026-03-05,全体教职工安全培训,70,"签到表, 照片"\r\n' # line 9
  printf 'guard,2026-03-06,Negative,-1,\r\n'                                  # line 10
  printf 'leadership,2026-03-07,Leadership group,9,No line end at the end'    # line 11
} >"$f"
sc amain import meeting "$f" >"$T/out" 2>"$T/err"
rc=$?
check "import with bad rows exits 1" eq "$rc" 1
check "summary: imported 3, rejected 5" eq "$(cat "$T/out")" "imported 3, rejected 5"
check "line 4: type named" grep -qx "$f:4: type: \"bogus\" is not one of: leadership, head_teacher, all_staff_training, guard, other" "$T/err"
check "line 5: meeting_date named" grep -q "^$f:5: meeting_date: .*not a real date" "$T/err"
check "line 6: title required" grep -qx "$f:6: title: required" "$T/err"
check "line 7: cell count" grep -qx "$f:7: row: 3 cells, but the header has 5 columns" "$T/err"
check "line 10: attendees" grep -qx "$f:10: attendees: must be >= 0" "$T/err"
check "exactly 5 errors reported" eq "$(grep -c "^$f:" "$T/err")" 5
check "3 meetings imported" eq "$(count amain meeting)" 3
sc amain export meeting --csv >"$T/m.csv"
check "quoted comma and the line break inside a cell survive" \
  grep -q '^guard,2026-03-01,"Gate rules, winter",5,"line one' "$T/m.csv"
check "doubled quotes survive" grep -q '^line ""two""",' "$T/m.csv"
check "UTF-8 survives" grep -q '^all_staff_training,2026-03-05,全体教职工安全培训,70,"签到表, 照片",' "$T/m.csv"
check "the last row without a line end is read" grep -q '^leadership,2026-03-07,Leadership group,9,No line end at the end,' "$T/m.csv"

# an unterminated quote is reported where it starts
printf 'type,meeting_date,title\nguard,2026-03-08,ok\nguard,2026-03-09,"never closed\nmore\n' >"$T/open.csv"
sc amain import meeting "$T/open.csv" >"$T/out" 2>"$T/err"
check "unterminated quote: exit 1" eq "$?" 1
check "unterminated quote: reported on line 3" grep -q "open.csv:3: row: a quoted field opened on line 3 is never closed" "$T/err"
check "unterminated quote: the good row before it is imported" eq "$(cat "$T/out")" "imported 1, rejected 1"

# ---------------------------------------------------------------- the whole file refused
printf 'type,meeting_date,colour\nguard,2026-03-01,red\n' >"$T/h1.csv"
sc amain import meeting "$T/h1.csv" >"$T/out" 2>"$T/err"
check "unknown column: exit 1" eq "$?" 1
check "unknown column: named on line 1" grep -q "h1.csv:1: header: column 3 \"colour\" is not a field of meeting" "$T/err"
printf 'type,title,Title\n' >"$T/h2.csv"
check_fail "duplicate column refused" sc amain import meeting "$T/h2.csv"
check "nothing imported from refused files" eq "$(count amain meeting)" 4
check_fail "a missing file" sc amain import meeting "$T/nope.csv"
check_fail "an unknown kind is a usage error" sc amain import widget "$f"
sc amain import notice "$f" >/dev/null 2>"$T/err"
check "a school cannot import notices (exit 1)" eq "$?" 1
check "... and is told only the bureau writes them" grep -q "only the bureau" "$T/err"

# ---------------------------------------------------------------- parents, ids, alarms
bus=$(sc amain add bus --plate "A-7788" --seats 30 --driver "Ma")
printf 'bus_id,trip_date,direction,boarded,alighted,checked_by\n' >"$T/trips.csv"
printf '%s,2026-03-09,to_school,30,30,He\n' "$bus" >>"$T/trips.csv"
printf '%s,2026-03-09,from_school,30,29,He\n' "$bus" >>"$T/trips.csv"
printf '00000000-0000-4000-8000-000000000000,2026-03-09,to_school,1,1,He\n' >>"$T/trips.csv"
printf '%s,2026-03-10,sideways,1,1,He\n' "${bus:0:8}" >>"$T/trips.csv"
sc amain import bus_trip "$T/trips.csv" >"$T/out" 2>"$T/err"
check "trips: exit 1 (two bad rows)" eq "$?" 1
check "trips: the unknown bus is named" grep -q "trips.csv:4: bus_id: bus 00000000 is not known here" "$T/err"
check "trips: the bad direction is named" grep -q "trips.csv:5: direction: " "$T/err"
check "trips: imported 2, rejected 2" eq "$(cat "$T/out")" "imported 2, rejected 2"
check "trips: the mismatch raised the alarm" grep -q "ALARM: BUS A-7788, TRIP 2026-03-09 from_school: 30 BOARDED, 29 ALIGHTED" "$T/err"
# a sheet people fill in names the bus by its plate, not its id
printf 'bus_id,trip_date,direction,boarded,alighted,checked_by\nA-7788,2026-03-11,to_school,30,30,He\nB-0000,2026-03-11,to_school,1,1,He\n' >"$T/trips2.csv"
sc amain import bus_trip "$T/trips2.csv" >"$T/out" 2>"$T/err"
check "trips by plate: the known plate is the bus, the unknown one named as unknown" bash -c \
  "[[ \$(cat '$T/out') == 'imported 1, rejected 1' ]] && grep -q 'trips2.csv:3: bus_id: no .* here is called \"B-0000\"' '$T/err'"
check "... the trip is the bus's" eq "$(sc amain list bus_trip 2>/dev/null | grep -c 2026-03-11)" 1

id1=$(grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' "$T/m.csv" | head -1)
{
  printf 'id,type,meeting_date,title\n'
  printf 'not-an-id,guard,2026-03-01,x\n'
  printf '%s,guard,2026-03-01,Gate rules, winter (revised)\n' "$id1"
  printf '%s,guard,2026-03-01,again\n' "$id1"
  printf '%s,guard,2026-03-01,"Gate rules, winter (revised)"\n' "$id1"
} >"$T/ids.csv"
sc amain import meeting "$T/ids.csv" >"$T/out" 2>"$T/err"
check "ids: a bad id is named" grep -q "ids.csv:2: id: \"not-an-id\" is not a record id" "$T/err"
check "ids: an unquoted comma shows as too many cells" grep -q "ids.csv:3: row: 5 cells, but the header has 4 columns" "$T/err"
check "ids: the same id twice is refused the second time" grep -q "ids.csv:5: id: $id1 is also on line 4" "$T/err"
check "ids: one update" eq "$(cat "$T/out")" "imported 1, rejected 3"
check "the update kept the columns the file left out" bash -c \
  "\"$SAFECAMPUS\" --store \"$T/amain.db\" show $id1 | grep -q 'attendees  *5'"
check "the update changed the title" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" show $id1 | grep -q 'title  *again'"
check "meetings are still 4" eq "$(count amain meeting)" 4

# ---------------------------------------------------------------- export -> import round trips
check "A-main syncs" sc amain sync
sc amain export meeting --csv "$T/round.csv" 2>/dev/null
sc amain import meeting "$T/round.csv" >"$T/out" 2>"$T/err"
check "re-importing an export changes nothing" eq "$(cat "$T/out")" "imported 0, rejected 0 (4 unchanged, skipped)"
check "... and queues nothing" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Eq '^pending: +0$'"

# into a fresh store of the same school (A-west never synced): same records, same ids
sc awest import meeting "$T/round.csv" >"$T/out" 2>"$T/err"
check "A-west imports the export" eq "$(cat "$T/out")" "imported 4, rejected 0"
sc awest export meeting --csv "$T/round2.csv" 2>/dev/null
strip() { sed -E 's/,[a-z]+,[0-9]+,(true|false)\r$//' "$1"; }
check "export -> import -> export: every field and id the same" eq "$(strip "$T/round2.csv")" "$(strip "$T/round.csv")"

# an edited cell updates that record only
sed 's/Leadership group/Leadership group (minutes signed)/' "$T/round.csv" >"$T/edited.csv"
sc amain import meeting "$T/edited.csv" >"$T/out" 2>"$T/err"
check "an edited export updates one record" eq "$(cat "$T/out")" "imported 1, rejected 0 (3 unchanged, skipped)"
check "A-main syncs the update" sc amain sync
check "A-east pulls it" sc aeast sync
check "A-east sees the edited title" bash -c "\"$SAFECAMPUS\" --store \"$T/aeast.db\" export meeting --csv | grep -q 'Leadership group (minutes signed)'"

# the bureau imports notices
printf 'title,issue_date,due_date,targets\nFlood season,2026-05-01,2026-05-20,schoolA\n"Heat, and water",2026-06-01,2026-05-20,\n' >"$T/notices.csv"
sc bureau import notice "$T/notices.csv" >"$T/out" 2>"$T/err"
check "bureau import: due before issue refused on line 3" grep -q "notices.csv:3: due_date: must not be before issue_date" "$T/err"
check "bureau import: one notice" eq "$(cat "$T/out")" "imported 1, rejected 1"
sc bureau import meeting "$T/round.csv" >/dev/null 2>"$T/err"
check "the bureau cannot import a school's kind (exit 1)" eq "$?" 1

# ---------------------------------------------------------------- dry run
check_fail "a dry run with bad rows exits 1" sc amain import meeting "$f" --dry-run
sc amain import meeting "$f" --dry-run >"$T/out" 2>/dev/null
# two of its rows were edited since by id (ids.csv, edited.csv): the sheet puts them back
check "a dry run says what it would do" eq "$(cat "$T/out")" "would import 2, rejected 5 (1 unchanged, skipped)"
check "a dry run writes nothing" eq "$(count amain meeting)" 4

# ---------------------------------------------------------------- a sheet without ids, twice
# (issue 10: re-importing a corrected sheet duplicated the good rows)
s=$T/sheet.csv
printf 'type,meeting_date,title,attendees\r\n' >"$s"
printf 'guard,2026-04-01,Sheet one,3\r\nguard,2026-04-02,Sheet two,4\r\nguard,2026-04-03,Sheet three,x\r\n' >>"$s"
n0=$(count amain meeting)
sc amain import meeting "$s" >"$T/out" 2>"$T/err"
check "sheet: the bad row exits 1" eq "$?" 1
pend=$(sc amain status | awk '/^pending:/ {print $2}')
check "sheet: the good rows are applied" eq "$(cat "$T/out")" "imported 2, rejected 1"
check "sheet: the bad row names its field and why" grep -qx "$s:4: attendees: \"x\" is not a whole number" "$T/err"
sc amain import meeting "$s" >"$T/out" 2>"$T/err"
check "sheet again: nothing new" eq "$(cat "$T/out")" "imported 0, rejected 1 (2 unchanged, skipped)"
check "sheet again: still 2 more meetings" eq "$(count amain meeting)" "$((n0 + 2))"
check "sheet again: nothing more queued" eq "$(sc amain status | awk '/^pending:/ {print $2}')" "$pend"
# corrected: the bad row fixed, one good row's attendees corrected
printf 'type,meeting_date,title,attendees\r\nguard,2026-04-01,Sheet one,5\r\nguard,2026-04-02,Sheet two,4\r\nguard,2026-04-03,Sheet three,6\r\n' >"$T/sheet2.csv"
sc amain import meeting "$T/sheet2.csv" >"$T/out" 2>"$T/err"
check "corrected sheet: the new row and the correction" eq "$(cat "$T/out")" "imported 2, rejected 0 (1 unchanged, skipped)"
check "corrected sheet: 3 meetings from the sheets, not 5" eq "$(count amain meeting)" "$((n0 + 3))"
one=$(sc amain list meeting | awk '/Sheet one/ {print $1}')
check "corrected sheet: the row was updated in place" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" show $one | grep -q 'attendees  *5'"
sc amain import meeting "$T/sheet2.csv" >"$T/out" 2>"$T/err"
check "corrected sheet again: nothing" eq "$(cat "$T/out")" "imported 0, rejected 0 (3 unchanged, skipped)"
# columns in another order, a label for a header: the same rows
printf 'Title,attendees,Date,type\r\nSheet two,4,2026-04-02,guard\r\n' >"$T/sheet3.csv"
sc amain import meeting "$T/sheet3.csv" >"$T/out" 2>"$T/err"
check "reordered columns with English labels: the same record" eq "$(cat "$T/out")" "imported 0, rejected 0 (1 unchanged, skipped)"
printf 'type,meeting_date,title\r\nother,2026-04-09,Twice\r\nother,2026-04-09,Twice\r\n' >"$T/twice.csv"
sc amain import meeting "$T/twice.csv" >"$T/out" 2>"$T/err"
check "the same row twice in a file: the second refused, named" grep -qx "$T/twice.csv:3: row: the same Safety meeting as line 2 (type meeting_date title)" "$T/err"
check "... the first imported" eq "$(cat "$T/out")" "imported 1, rejected 1"
# another campus of the school importing the same sheet makes the same records
sc awest import meeting "$T/sheet2.csv" >/dev/null 2>&1
check "A-west's rows have A-main's ids" eq "$(sc awest list meeting | awk '/Sheet one/ {print $1}')" "$one"

# ---------------------------------------------------------------- GBK with Chinese headers
# what Chinese Excel saves as "CSV (逗号分隔)": GB18030/GBK, headed by the field labels
if ! printf '会议类型,日期,主题,参会人数,会议纪要\r\n保安工作会议,2026-04-10,门卫制度学习,6,"签到, 照片"\r\n全员培训,2026-04-11,消防演练培训,80,\r\nguard,2026-04-12,,3,\r\n' |
  iconv -f UTF-8 -t GBK >"$T/gbk.csv"; then
  echo "iconv cannot write GBK"; exit 1
fi
check "the fixture is not UTF-8" bash -c "! iconv -f UTF-8 -t UTF-8 \"$T/gbk.csv\" >/dev/null 2>&1"
sc amain import meeting "$T/gbk.csv" >"$T/out" 2>"$T/err"
check "GBK: exit 1 for the blank title" eq "$?" 1
check "GBK: said how it was read" grep -q "gbk.csv: not UTF-8, read as GB18030 (GBK)" "$T/err"
check "GBK: two imported" eq "$(cat "$T/out")" "imported 2, rejected 1"
check "GBK: the blank title named" grep -qx "$T/gbk.csv:4: title: required" "$T/err"
sc amain export meeting --csv "$T/after.csv" 2>/dev/null
check "GBK: the Chinese text arrived as UTF-8" grep -q '^guard,2026-04-10,门卫制度学习,6,"签到, 照片",' "$T/after.csv"
check "GBK: the Chinese enum label became its value" grep -q '^all_staff_training,2026-04-11,消防演练培训,80,' "$T/after.csv"
sc amain import meeting "$T/gbk.csv" >"$T/out" 2>"$T/err"
check "GBK again: nothing new" eq "$(cat "$T/out")" "imported 0, rejected 1 (2 unchanged, skipped)"
printf '\xef\xbb\xbftype,title\nguard,\xff\xfe\n' >"$T/badbom.csv"
sc amain import meeting "$T/badbom.csv" >"$T/out" 2>"$T/err"
check "a UTF-8 mark on bytes that are not UTF-8: refused, not guessed" eq "$?" 1
check "... with the byte named" grep -q "badbom.csv: neither UTF-8 nor GB18030 (GBK) text (byte 21)" "$T/err"

# ---------------------------------------------------------------- export for Excel
check "a file export starts with the UTF-8 mark" test "$(head -c3 "$T/after.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "... every line ends in CRLF" test "$(grep -c $'\r$' "$T/after.csv")" -eq "$(wc -l <"$T/after.csv")"
check "standard output has no mark" test "$(sc amain export meeting --csv | head -c4)" = "type"
sc amain export meeting --csv --no-bom "$T/nobom.csv" 2>/dev/null
check "--no-bom" test "$(head -c4 "$T/nobom.csv")" = "type"

# ---------------------------------------------------------------- kill -9: all or none
big=$T/big.csv
awk 'BEGIN { print "type,meeting_date,title,attendees,minutes";
  for (i = 1; i <= 20000; i++)
    printf "guard,2026-03-%02d,\"Bulk meeting %d, gate\",%d,\"minutes\r\nof %d\"\r\n", i % 28 + 1, i, i % 90, i }' >"$big"
check "the big file has 20001 records" test "$(grep -c '^guard,' "$big")" -eq 20000
before=$(count amain meeting)
first=$before
outcomes=""
# killed while checking rows (early), and while writing (after "writing" shows)
for when in 0.05 0.3 writing; do
  "$SAFECAMPUS" --store "$T/amain.db" import meeting "$big" >"$T/kill.out" 2>"$T/kill.err" &
  pid=$!
  if [[ $when == writing ]]; then
    for _ in $(seq 1 400); do
      grep -q "writing them in one transaction" "$T/kill.err" 2>/dev/null && break
      sleep 0.01
    done
  else
    sleep "$when"
  fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  after=$(count amain meeting)
  d=$((after - before))
  outcomes+="$when:$d "
  check "kill -9 ($when): all or none of the 20000 rows (got $d)" test "$d" -eq 0 -o "$d" -eq 20000
  before=$after
done
echo "# kill outcomes (delay:rows added): $outcomes"
check "the store is sound after the kills" sc amain status
pending=$(sc amain status | awk '/^pending:/ {print $2}')
check "outbox matches: one entry per record written since the last sync" test "$pending" -eq "$((before - 4))"
sc amain import meeting "$big" >"$T/out" 2>"$T/err"
check "after the kills, one import leaves each of the 20000 rows once" eq "$(count amain meeting)" "$((first + 20000))"
sc amain import meeting "$big" >"$T/out" 2>"$T/err"
check "importing the 20000 rows again adds nothing" eq "$(cat "$T/out")" "imported 0, rejected 0 (20000 unchanged, skipped)"

# ---------------------------------------------------------------- implausible values, one sheet
# (issue 10: each refused with the field named; the rest of the sheet applied)
printf 'type,meeting_date,title,minutes\r\nguard,2030-01-10,Future,\r\nguard,1900-01-10,Typo,\r\nguard,2026-04-20,"   ",\r\nguard,2026-04-21,Real one,"%s"\r\n' \
  "$(head -c 30000 /dev/zero | tr '\0' 'x')" >"$T/implausible.csv"
sc amain import meeting "$T/implausible.csv" >"$T/out" 2>"$T/err"
check "implausible: the good row (30 KB of minutes) applied" eq "$(cat "$T/out")" "imported 1, rejected 3"
check "implausible: 2030 named" grep -q "implausible.csv:2: meeting_date: 2030-01-10 is in the future" "$T/err"
check "implausible: 1900 named" grep -q "implausible.csv:3: meeting_date: 1900-01-10 is before 2000" "$T/err"
check "implausible: a blank title named" grep -q "implausible.csv:4: title: " "$T/err"
printf 'bus_id,trip_date,direction,boarded,alighted,checked_by\n%s,2026-03-11,to_school,31,31,He\n%s,2026-03-11,from_school,30,30,He\n' \
  "$bus" "$bus" >"$T/seats.csv"
sc amain import bus_trip "$T/seats.csv" >"$T/out" 2>"$T/err"
check "riders over seats: refused, the other trip applied" eq "$(cat "$T/out")" "imported 1, rejected 1"
check "... named" grep -q "seats.csv:2: .*boarded: 31 students on a bus with 30 seats" "$T/err"
printf 'title,issue_date,due_date,targets\nTypo target,2026-05-01,2026-05-20,lvshuu\nGood target,2026-05-01,2026-05-20,schoolA\n' >"$T/targets.csv"
check "A-main syncs (the server knows schoolA)" sc amain sync
check "the bureau pulls: it knows schoolA" sc bureau sync
sc bureau import notice "$T/targets.csv" >"$T/out" 2>"$T/err"
check "an unknown target school: refused, the other notice applied" eq "$(cat "$T/out")" "imported 1, rejected 1"
check "... named" grep -q "targets.csv:2: .*targets: no school \"lvshuu\" is known here" "$T/err"

e2e_done
