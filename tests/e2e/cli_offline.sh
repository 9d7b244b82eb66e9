#!/usr/bin/env bash
# End-to-end test of the safecampus command line, offline (no server).
#
#   tests/e2e/cli_offline.sh path/to/safecampus
#   (under ctest, without an argument: $SC_BIN_DIR/safecampus)
#
# Makes a self-signed certificate with the subject convention, then runs
# init, the hazard workflow, list/show/status, refusals and usage errors, the
# list filters and layout of other kinds, responsibility letters and their
# coverage, bus trips and their alarm, the bureau-only notice verbs refused to a
# school, and CSV export, checking real values in the output. Prints "N passed, N failed"
# and exits non-zero if any check failed.
set -euo pipefail

BIN=${1:-${SC_BIN_DIR:+$SC_BIN_DIR/safecampus}}
[ -n "$BIN" ] || { echo "usage: $0 path/to/safecampus" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "not executable: $BIN" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc_cli_offline.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export SAFECAMPUS_STORE="$WORK/campus.db"
unset SAFECAMPUS_LOG_LEVEL || true

PASS=0
FAIL=0
OUT="" ERR="" RC=0

# run ARGS...: runs the binary, keeps stdout in $OUT, stderr in $ERR, status in $RC
run() {
	set +e
	OUT=$("$BIN" "$@" 2>"$WORK/stderr")
	RC=$?
	set -e
	ERR=$(cat "$WORK/stderr")
}

ok() { PASS=$((PASS + 1)); }
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL: $*" >&2
	echo "  stdout: ${OUT:0:2000}" >&2
	echo "  stderr: ${ERR:0:2000}" >&2
}

# expect_rc N DESC
expect_rc() { if [ "$RC" -eq "$1" ]; then ok; else bad "$2: exit $RC, want $1"; fi; }
# expect_out REGEX DESC (extended regex, on stdout)
expect_out() { if grep -Eq -- "$1" <<<"$OUT"; then ok; else bad "$2: stdout lacks /$1/"; fi; }
expect_no_out() { if grep -Eq -- "$1" <<<"$OUT"; then bad "$2: stdout has /$1/"; else ok; fi; }
expect_err() { if grep -Eq -- "$1" <<<"$ERR"; then ok; else bad "$2: stderr lacks /$1/"; fi; }

# the pending count from `status`
pending() { "$BIN" status | awk '/^pending:/ { print $2 }'; }

# ---------------------------------------------------------------- certificates
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout campus.key -out campus.crt -subj "/O=district7/OU=school42/CN=north" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout bad.key -out bad.crt -subj "/O=district7/CN=north" 2>/dev/null
cp campus.crt ca.crt

# ---------------------------------------------------------------- usage errors (exit 2)
run
expect_rc 2 "no command"
run frobnicate
expect_rc 2 "unknown command"
expect_err "unknown command 'frobnicate'" "unknown command message"
run --help
expect_rc 0 "--help"
expect_out "Exit status: 0 done, 1 failed" "--help documents exit codes"
run hazard assign --help
expect_rc 0 "hazard assign --help"
expect_out "--deadline-date YYYY-MM-DD" "assign help lists the field option"
run init --server nowhere --cert campus.crt --key campus.key --ca ca.crt
expect_rc 2 "init with a bad --server"
[ ! -e "$SAFECAMPUS_STORE" ] && ok || bad "a failed init left a store behind"
run init --cert campus.crt
expect_rc 2 "first init without --server"

# ---------------------------------------------------------------- init
run init --server localhost:7443 --cert bad.crt --key bad.key --ca ca.crt
expect_rc 1 "init with a cert off the convention"
expect_err "no OU" "init says what is wrong with the subject"
run init --server localhost:7443 --cert campus.crt --key bad.key --ca ca.crt
expect_rc 1 "init with a key of another cert"
expect_err "does not belong" "init says the key does not match"
run init --server localhost:7443 --cert missing.crt --key campus.key --ca ca.crt
expect_rc 1 "init with a missing cert"
run init --server localhost:7443 --cert campus.crt --key campus.key --ca ca.crt
expect_rc 0 "init"
expect_out "district district7, school school42, campus north" "init reads the identity"
expect_out "cert +$WORK/campus.crt" "init stores absolute paths"

# ---------------------------------------------------------------- report and workflow
run hazard report --title "Expired extinguisher, hall B" --area fire --severity high \
	--location "Building B" --reporter "Zhang San"
expect_rc 0 "hazard report"
H=$OUT
[[ "$H" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] && ok ||
	bad "report prints a UUID (got '$H')"
SH=${H:0:8}

run hazard report --title "松动的栏杆" --area building --severity medium --found-date 2024-03-01
expect_rc 0 "hazard report with a Chinese title and a found date"
H2=$OUT

run hazard report --title "x" --area lava --severity high
expect_rc 2 "report with an unknown area"
expect_err "not one of: fire, building" "bad enum lists the values"
run hazard report --title "x" --area fire
expect_rc 2 "report without --severity"
expect_err "missing required option --severity" "missing option named"

[ "$(pending)" = 2 ] && ok || bad "two reports pending (got $(pending))"

# the people who sign (client/person.h): the principal with the district
# admin key, the others by the principal; runas LOGIN signs one command
openssl genpkey -algorithm ed25519 -out admin.key 2>/dev/null
SAFECAMPUS_NEW_PASSWORD=secret-lisi "$BIN" person add --login lisi --name "Li Si" --role principal \
	--admin-key admin.key >/dev/null
for p in "wangwu:Wang Wu:logistics" "chenliu:Chen Liu:vice_principal" "sunmei:Sun Mei:head_teacher"; do
	IFS=: read -r l n r <<<"$p"
	SAFECAMPUS_PASSWORD=secret-lisi SAFECAMPUS_NEW_PASSWORD=secret-$l "$BIN" person add --login "$l" \
		--name "$n" --role "$r" --as lisi >/dev/null
done
runas() {
	local who=$1
	shift
	SAFECAMPUS_AS=$who SAFECAMPUS_PASSWORD=secret-$who run "$@"
}
run person list
expect_out "^lisi +Li Si +principal +@district" "the principal is enrolled by the district"
expect_out "^sunmei +Sun Mei +head_teacher +lisi" "the principal enrols the others"

# an illegal step: rectify before assign. Refused, exit 1, nothing written.
before=$(pending)
runas wangwu hazard rectify "$SH" --note "done"
expect_rc 1 "rectify a reported hazard"
expect_err "refused: rectify not allowed in state reported" "refusal names the rule"
[ "$(pending)" = "$before" ] && ok || bad "refused step wrote something"

run hazard assign "$SH" --owner "Wang Wu" --deadline 2030-06-30 --actor "Li Si" --role principal
expect_rc 2 "a typed --role is a usage error"
expect_err "grants nothing" "... which says --role grants nothing"
run hazard assign "$SH" --owner "Wang Wu" --deadline 2030-06-30
expect_rc 1 "assign signed by nobody"
expect_err "refused" "... is refused"
runas sunmei hazard assign "$SH" --owner "Wang Wu" --deadline 2030-06-30
expect_rc 1 "assign by a head teacher"
expect_err "principal" "assign needs a leader"
SAFECAMPUS_AS=lisi SAFECAMPUS_PASSWORD=wrong-password run hazard assign "$SH" --owner "Wang Wu" \
	--deadline 2030-06-30
expect_rc 1 "assign with a wrong password"
expect_err "wrong password for lisi" "... says so"
runas lisi hazard assign "$SH" --owner "Wang Wu"
expect_rc 2 "assign without a deadline is a usage error"
runas lisi hazard assign "$SH" --owner "Wang Wu" --deadline 2030-02-30
expect_rc 1 "assign with an impossible date"
runas lisi hazard assign "$SH" --owner "Wang Wu" --deadline 2030-06-30
expect_rc 0 "assign"
expect_out "is now assigned" "assign moves the state"

runas wangwu hazard rectify "$SH" --note "Replaced with a new 4kg extinguisher"
expect_rc 0 "rectify"
before=$(pending)
runas wangwu hazard verify "$SH" --note "self-check"
expect_rc 1 "verify by the rectifier"
expect_err "other than the rectifier" "verify refusal reason"
[ "$(pending)" = "$before" ] && ok || bad "refused verify wrote something"
echo "photo" >evidence.jpg
runas chenliu hazard verify "$SH" --note "Checked pressure gauge" \
	--evidence-file evidence.jpg
expect_rc 0 "verify"
runas lisi hazard close "$SH" --note "Closed at review"
expect_rc 0 "close"
expect_out "is now closed" "close moves the state"
runas lisi hazard close "$SH"
expect_rc 1 "close twice"

# the second hazard: assigned with a past deadline, so overdue
runas lisi hazard assign "${H2:0:8}" --owner "Zhao" --deadline 2024-03-10
expect_rc 0 "assign the second hazard"

# from here on, sign-offs (letters, drills) are signed by the principal
export SAFECAMPUS_AS=lisi SAFECAMPUS_PASSWORD=secret-lisi

# ---------------------------------------------------------------- list / show / status
run list hazards
expect_rc 0 "list hazards"
expect_out "^$SH +Expired extinguisher, hall B +high +closed +Wang Wu +2030-06-30 +north +pending" \
	"list row of the closed hazard"
expect_out "^${H2:0:8} +松动的栏杆 +medium +assigned +Zhao +2024-03-10! +north +pending" \
	"list row of the overdue hazard"
expect_out "2 hazards, 1 overdue" "list footer"
# display columns (a CJK character takes two): wc -L in a UTF-8 locale
width=$(LC_ALL=C.UTF-8 wc -L <<<"$OUT")
[ "$width" -le 100 ] && ok || bad "list is $width columns wide, over 100"

run list hazard --status overdue
expect_out "^${H2:0:8} " "--status overdue shows the overdue one"
expect_no_out "^$SH " "--status overdue hides the closed one"
run list hazard --status closed
expect_out "^$SH " "--status closed"
run list hazard --since 2025-01-01
expect_out "^$SH " "--since keeps the newer hazard"
expect_no_out "^${H2:0:8} " "--since drops the one found in 2024"
run list hazard --campus south
expect_out "^0 hazards" "--campus filters"
run list hazard --status nonsense
expect_rc 2 "list with an unknown state"
run list widgets
expect_rc 2 "list an unknown kind"

run show "$SH"
expect_rc 0 "show"
expect_out "title +Expired extinguisher, hall B" "show prints the title"
expect_out "location +Building B" "show prints the location"
expect_out "reporter +Zhang San" "show prints the reporter"
expect_out "state: closed, owner Wang Wu, deadline 2030-06-30" "show prints the derived state"
expect_out "history \(4 events" "show counts the events"
expect_out "assign +Li Si +principal +north" "history has the assign"
expect_out "rectify +Wang Wu" "history has the rectify"
expect_out "verify +Chen Liu +vice_principal" "history has the verify"
expect_out "note: Replaced with a new 4kg extinguisher" "history has the notes"
expect_out "evidence: .*evidence.jpg \(sha256 [0-9a-f]{64}\)" "history has the evidence"
expect_out "close +Li Si +principal" "history has the close"
run show "${H2:0:8}"
expect_out "OVERDUE" "show marks an overdue hazard"
run show 00000000
expect_rc 1 "show an unknown id"

run status
expect_rc 0 "status"
expect_out "^server: +localhost:7443" "status shows the server"
expect_out "district district7, school school42, campus north" "status shows the identity"
expect_out "^pending: +11$" "status counts 2 hazards + 5 events + 4 enrolments pending"
expect_out "^rejected: +0$" "status counts rejections"
expect_out "^last sync: +never" "status shows no sync yet"
expect_out "^cursor: +0$" "status shows the cursor"

# ---------------------------------------------------------------- generic add / edit
run add hazard --help
expect_rc 0 "add hazard --help"
expect_out "severity +enum +low, medium, high, critical" "add --help lists enum values"
# a number's range is the kind table's, the one the rules hold it to
run add school_class --help
expect_out "--grade N +integer \(1 to 12\)" "add --help states a number's range"
expect_out "--student-count N +integer \(at least 0\)" "... and a count's floor"
run add school_class --grade 13 --name 3-2
expect_rc 1 "a grade past the range is refused"
expect_err "school_class.grade must be between 1 and 12" "... saying the range --help states"
run add hazard --title "Blocked exit" --area defence_physical --severity critical \
	--found-date 2025-05-05
expect_rc 0 "add hazard"
H3=$OUT
run edit "${H3:0:8}" --title "Blocked fire exit, gate 2"
expect_rc 0 "edit"
run show "${H3:0:8}"
expect_out "title +Blocked fire exit, gate 2" "edit changed the title"

# ---------------------------------------------------------------- outbox
run outbox list
expect_out "^${H3:0:8} +hazard +pending" "outbox list shows the entry"
run outbox discard "${H3:0:8}"
expect_rc 0 "outbox discard"
run show "${H3:0:8}"
expect_rc 1 "a discarded never-synced record is gone"
run outbox retry "$SH"
expect_rc 0 "retry of a pending entry is harmless"

# ---------------------------------------------------------------- export
run export hazard --csv hazards.csv
expect_rc 0 "export to a file"
# a file starts with the UTF-8 byte-order mark (for Excel)
[ "$(head -c3 hazards.csv | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok || bad "csv file starts with the UTF-8 mark"
OUT=$(tr -d '\r' <hazards.csv | sed '1s/^\xEF\xBB\xBF//')
# the kind's fields in .proto order, then the common columns
expect_out "^title,location,area,severity,description,found_date,reporter,([a-z_]+,)*id,school,campus,hlc,deleted$" \
	"csv header"
expect_out "^\"Expired extinguisher, hall B\",Building B,fire,high,,20[0-9-]+,Zhang San,.*,$H,school42,north,[0-9]+,false$" \
	"csv row quotes a comma"
expect_out "^松动的栏杆,,building,medium,,2024-03-01,,.*,$H2,school42,north,[0-9]+,false$" "csv row in UTF-8"
if grep -q $'\r$' hazards.csv; then ok; else bad "csv lines end in CRLF"; fi
[ "$(grep -c . hazards.csv)" = 3 ] && ok || bad "csv has a header and 2 rows"
run export hazard
expect_rc 2 "export without a format"
run export hazard_event --csv
expect_rc 0 "export events to stdout"
expect_out "^hazard_id,action,actor,actor_role," "events csv header"

# ---------------------------------------------------------------- papercuts
run hazard --help
expect_rc 0 "hazard --help"
expect_no_out "same as" "hazard --help explains list instead of 'same as'"
expect_out "list +\[--status STATE\]" "hazard --help shows list's filters"
run status
# every label's value starts in the same column
cols=$(awk -F'\n' '/^[a-z ]+:/ { match($0, /^[a-z ]+: +/); print RLENGTH }' <<<"$OUT" | sort -u)
[ "$cols" = 16 ] && ok || bad "status values start in one column (got: $(echo $cols))"
expect_out "^oldest pending: +[0-9]" "status shows the oldest pending entry"
run sync --timeout-ms 2000
expect_rc 3 "sync without a server fails (3: server unreachable)"
[ -z "$OUT" ] && ok || bad "a failed sync prints no summary on stdout"
expect_err "sync failed" "a failed sync says so on stderr"
run list hazards --help
expect_rc 0 "list --help"
expect_out "risk +open, mitigated, removed, overdue" "list --help documents the states of each kind"

# ---------------------------------------------------------------- list filters and layout of other kinds
run add meeting --type guard --meeting-date 2026-03-02 \
	--title "Gate duty roster for the spring term and the new visitor sign-in rules" --attendees 6
expect_rc 0 "add meeting"
run list meeting
expect_out "Gate duty roster for the spring term and the new visitor" "a long title is not cut at 24"
width=$(LC_ALL=C.UTF-8 wc -L <<<"$OUT")
[ "$width" -le 100 ] && ok || bad "meeting list is $width columns wide, over 100"
run list meeting --status open
expect_rc 2 "--status on a kind without a state"
expect_err "meeting records have no state" "--status refusal says why"
run add risk --title "Bottled LPG in the canteen" --status open --planned-date 2025-08-31
expect_rc 0 "add an overdue risk"
RISK=$OUT
run add risk --title "Old fence" --status removed --planned-date 2025-01-01
run list risk --status overdue
expect_out "^${RISK:0:8} +open! +Bottled LPG" "risk --status overdue, marked !"
expect_no_out "Old fence" "a removed risk is not overdue"
run add equipment --item "Extinguisher hall B" --type extinguisher --location "Hall B" \
	--interval-days 365 --last-check-date 2024-06-01 --next-due-date 2025-06-01
run list equipment --status overdue
expect_out "overdue! +Extinguisher hall B" "equipment past its next check is overdue"
run list equipment --status current
expect_out "^0 equipment records" "and not current"

# ---------------------------------------------------------------- letters
S1=$("$BIN" add staff --name "Zhang Wei" --staff-role head_teacher)
"$BIN" add staff --name "Li Na" --staff-role subject_teacher >/dev/null
"$BIN" add staff --name "Old Wang" --staff-role security_guard --inactive true >/dev/null
"$BIN" add staff --name "Zhao Lei" --staff-role subject_teacher --left-date 2025-07-01 >/dev/null
run letter sign --year 2026 --level department_teacher --signer "zhang wei" --counter-signer "Liu Fang" \
	--signed-date 2026-02-25
expect_rc 0 "letter sign"
expect_err "holds the 2026 letter" "letter sign says who holds it"
L1=$OUT
run show "$L1"
expect_out "signer_staff_id +$S1" "the signer's staff record is linked by name"
run letter sign --year 2026 --level department_teacher --signer "Li Na" --counter-signer "Li Na"
expect_rc 1 "signer and counter-signer the same"
expect_err "letter.counter_signer must not be the signer" "the refusal names the field"
run letter sign --year 2026 --level boss --signer "Li Na" --counter-signer "Liu Fang"
expect_rc 2 "an unknown level"
run letter sign --year 2026 --level other --signer "Visitor" --counter-signer "Liu Fang"
expect_rc 0 "a letter for someone not on the staff"
L2=$(grep -o '^[0-9a-f-]\{36\}' <<<"$OUT")
run letter coverage --year 2026
expect_out "^coverage 2026: 0 of 2 current staff hold a letter" "a letter counts once counter-signed"
expect_out "^awaiting a counter-signature .*: 2$" "coverage says two await the level above"
runas chenliu letter countersign "${L1:0:8}"
expect_rc 0 "the vice principal counter-signs the department_teacher letter"
runas chenliu letter countersign "${L2:0:8}"
expect_rc 1 "a level other letter is counter-signed by the principal"
runas lisi letter countersign "${L2:0:8}"
expect_rc 0 "... who counter-signs it"
run letter coverage --year 2026
expect_rc 0 "letter coverage"
expect_out "^coverage 2026: 1 of 2 current staff hold a letter \(50.0%\)$" "coverage counts current staff only"
expect_out "Li Na" "coverage lists who has no letter"
expect_no_out "Old Wang" "an inactive staff member is not listed"
expect_out "Visitor" "a letter matching no staff member is shown as not counted"
run letter coverage --year 2027
expect_out "^coverage 2027: 0 of 2 " "another year"
run edit "$L1" --signer "Someone else"
expect_rc 1 "a counter-signed letter cannot be changed"
expect_err "is counter-signed" "... saying so"
run letter sign --year 2026 --level department_teacher --signer "Li Na" --counter-signer "Liu Fang"
L3=$OUT
run edit "$L3" --signer "Someone else"
expect_rc 0 "a letter can be corrected until the server has it"

# ---------------------------------------------------------------- buses
run add bus --plate "川A·12345" --seats 45 --driver "Driver Ma" --attendant "Attendant He"
BUS=$OUT
run bus trip --bus "川A·12345" --direction to_school --boarded 30 --alighted 30 --checked-by He
expect_rc 0 "a trip that counts out"
[ -z "$ERR" ] && ok || bad "no alarm when the counts agree"
run bus trip --bus "川A·12345" --direction from_school --boarded 42 --alighted 41 --checked-by He
expect_rc 0 "a mismatched trip is still recorded (exit 0)"
TRIP=$OUT
expect_err "ALARM: BUS 川A·12345, TRIP 20[0-9-]+ from_school: 42 BOARDED, 41 ALIGHTED" "the alarm names bus, date and counts"
expect_err "1 CHILD MAY STILL BE ON THE BUS" "the alarm says a child may be on the bus"
run add bus_trip --bus-id "${BUS:0:8}" --trip-date 2026-03-09 --direction to_school --boarded 5 --alighted 6 \
	--checked-by He
expect_rc 0 "add bus_trip with a mismatch"
expect_err "ALARM" "add bus_trip raises the alarm too"
run bus trip --bus "NO-SUCH" --direction to_school --boarded 1 --alighted 1 --checked-by He
expect_rc 1 "a trip of an unknown bus"
run bus trip --bus "川A·12345" --direction to_school --boarded 1 --checked-by He
expect_rc 2 "a trip without --alighted"
run status
expect_out "^ALARMS" "status lists open alarms"
expect_out "!! 20[0-9-]+ +川A·12345 +from_school +boarded 42, alighted 41" "status names the trip"
expect_no_out "2026-03-09" "an alarm older than 7 days is not open"
run list bus_trip --status mismatch
expect_out "^${TRIP:0:8} +mismatch!" "list bus_trip --status mismatch"
run show "$TRIP"
expect_out "ALARM: 42 boarded, 41 alighted" "show repeats the alarm"

# ---------------------------------------------------------------- notices are the bureau's
run notice issue --title "x" --due-date 2030-01-01
expect_rc 1 "a school cannot issue a notice"
expect_err "only the bureau issues notices" "the refusal says why"
run notice template fire_day_119 --year 2026
expect_rc 1 "nor from a template"
run notice list
expect_rc 0 "notice list with no notices"
expect_out "^0 notices" "no notices yet"

# ---------------------------------------------------------------- init again keeps data
PENDING_BEFORE_INIT=$(pending)
run init --server other.example:8443
expect_rc 0 "init again"
expect_out "^updated" "second init updates"
run status
expect_out "^server: +other.example:8443" "new server recorded"
expect_out "^pending: +$PENDING_BEFORE_INIT$" "second init kept the outbox"

# a garbage store is an error, not a crash
echo "not a database at all" >garbage.db
run --store garbage.db status
expect_rc 1 "garbage store"
expect_err "not a safecampus store" "garbage store message"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
