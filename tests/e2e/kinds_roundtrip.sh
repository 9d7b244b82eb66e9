#!/usr/bin/env bash
# Every record kind, end to end: A-main adds a sample of each school kind
# (every field set), syncs; A-east and the bureau pull, and `export KIND --csv`
# on both holds every field value exactly, field by field; school B sees none
# of it. The bureau adds the bureau-only kinds (notice, calendar): they reach
# the schools they target, and a school cannot add one (nor the bureau a
# school's kind). Every kind also refuses a record without a required field
# and one with a bad value, naming the field.
#
# The kinds come from `safecampus add --help`: a kind without a sample here
# fails the test, so a new kind cannot slip by untested.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init kinds_roundtrip
client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new bureau bureau office
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
# a letter's counter-signer is not its signer (the server refuses that)
person_new amain dh-amain department_head
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
person_new bmain vp-bmain vice_principal; as_default bmain vp-bmain
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau
server_start

# ---------------------------------------------------------------- samples
# One line per field, "field=value"; "@kind" is the id of that kind's sample.
# Values carry commas, quotes, semicolons and Chinese, to test the CSV too.
sample() {
  case $1 in
  school_profile) cat <<'S'
name=Example Road Primary School, "Xinhua" campus
founded_year=1952
site_area_m2=16800
building_area_m2=7786.6
staff_count=71
class_count=24
student_count=988
boarding_students=12
campus_count=2
current_level=district-level since 2009
target_level=city-level
bus_count=7
bus_riders=296
S
  ;;
  staff) cat <<'S'
name=Zhang Wei
staff_role=head_teacher
department=Grade 3
inactive=true
joined_date=2015-09-01
left_date=2026-07-15
S
  ;;
  school_class) cat <<'S'
grade=3
name=三年级2班
head_teacher=Zhang Wei
student_count=41
opened_date=2023-09-01
closed_date=2029-07-01
S
  ;;
  meeting) cat <<'S'
type=all_staff_training
meeting_date=2026-02-24
title=Spring term safety training
attendees=68
minutes=Duties at the gate; fire routes; reporting hazards.
S
  ;;
  policy) cat <<'S'
title=Visitor entry rules
type=rule
version=2025 rev. 2
effective_date=2025-09-01
revised_date=2026-02-20
summary=Visitors sign in at the gate and wear a badge.
S
  ;;
  letter) cat <<'S'
year=2026
level=department_teacher
signer=Zhang Wei
signer_staff_id=@staff
counter_signer=Liu Fang
signed_date=2026-02-25
S
  ;;
  letter_event) cat <<'S'
letter_id=@letter
action=countersign
level=department_teacher
actor=Liu Fang, "vice principal"
signed_date=2026-02-26
S
  ;;
  education) cat <<'S'
school_class_id=@school_class
session_date=2026-03-06
slot=weekend_5
topic=traffic
channel=class_meeting
teacher=Zhang Wei
minutes=5
theme=一盔一带
S
  ;;
  lecture) cat <<'S'
lecture_date=2026-03-12
speaker=Officer Chen (法制副校长)
topic=Bullying and the law
audience=grades 4-6
attendees=320
S
  ;;
  drill) cat <<'S'
drill_date=2026-03-27
theme=National safety education day
scenario=fire
plan_id=@policy
plan_ref=Fire evacuation plan 2025
student_count=988
staff_count=71
evacuation_seconds=150
segments=principal;teacher;student
feedback=Stair C was slow; add a teacher there.
S
  ;;
  inspection) cat <<'S'
inspection_date=2026-03-02
level=leadership
focus=fire
inspector=Safety leadership group
location=Canteen
findings=Two extinguishers past their date.
hazards_found=2
S
  ;;
  linkage) cat <<'S'
activity_date=2026-03-18
partner=traffic_police
partner_name=Xinhua Rd brigade
activity=Helmet checks at dismissal
participants=6
S
  ;;
  gate_duty) cat <<'S'
duty_date=2026-03-09
shift=morning
leader=Vice Principal Zhao
teacher=Zhang Wei
guard=Guard Sun
parent_volunteers=2
incidents=A scooter blocked the gate
volunteers=Wang Ma;Li Ba
S
  ;;
  bus) cat <<'S'
plate=川A·12345
seats=45
company=City School Bus Co.
driver=Driver Ma
attendant=Attendant He
next_inspection_date=2026-09-30
inactive=true
S
  ;;
  bus_rider) cat <<'S'
bus_id=@bus
student_ref=S2025-0143
inactive=true
S
  ;;
  bus_trip) cat <<'S'
bus_id=@bus
trip_date=2026-03-09
direction=from_school
boarded=42
alighted=41
checked_by=Attendant He
S
  ;;
  equipment) cat <<'S'
item=Gas leak alarm
type=gas_alarm
location=Canteen kitchen
installed_date=2017-06-01
interval_days=365
last_check_date=2025-06-10
next_due_date=2026-06-10
result=ok
S
  ;;
  # a day before the item's last check: an older check moves nothing
  # (kind_ops.moves_parent), so the item keeps every sample value
  equipment_check) cat <<'S'
equipment_id=@equipment
check_date=2025-06-09
result=fault
checker=Gas company
note=Sensor 2 replaced
S
  ;;
  risk) cat <<'S'
title=Bottled LPG in the canteen
description=Old stoves lack flame-out protection
area=food
mitigation=Leak alarms and cut-off valves fitted
plan=Convert the kitchen from gas to electric
planned_date=2027-08-31
status=mitigated
S
  ;;
  hazard) cat <<'S'
title=Loose handrail on stairs B
location=Building B, 2nd floor
area=building
severity=medium
description=扶手松动
found_date=2026-03-02
reporter=Zhang San
inspection_id=@inspection
S
  ;;
  hazard_event) cat <<'S'
hazard_id=@hazard
action=assign
actor=Principal Li
actor_role=principal
owner=Wang Wu
deadline_date=2030-03-10
note=fix by Friday
evidence_sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
evidence_path=photos/handrail.jpg
at_ms=1772400000000
S
  ;;
  notice) cat <<'S'
title=Safety education day 2026
body=Hold a themed class meeting, then report.
issue_date=2026-03-16
due_date=2026-04-10
required_action=Class meeting and a letter to parents
targets=schoolA;schoolC
campaign=safety_education_day
S
  ;;
  notice_event) cat <<'S'
notice_id=@notice
action=ack
actor=Safety office
notice_hlc=@notice_hlc
at_ms=1773800000000
S
  ;;
  calendar) cat <<'S'
term_name=2026-2027 autumn
term_start_date=2026-09-01
term_end_date=2027-01-22
holidays=2026-10-01..2026-10-07;2027-01-01
makeup_days=2026-09-27;2026-10-10
S
  ;;
  visitor) cat <<'S'
visit_date=2026-03-02
name=Liu Fang
organisation=City Water Company, "meter" team
purpose=水表检查
host=Wang Wu (logistics)
time_in_ms=1772430000000
time_out_ms=1772433600000
S
  ;;
  *) return 1 ;;
  esac
}

# A field each kind requires (dropped: the add is refused naming it), and a
# bad value for one field (refused naming it).
declare -A REQUIRED=(
  [school_profile]=name [staff]=staff_role [school_class]=grade [meeting]=meeting_date
  [policy]=type [letter]=counter_signer [education]=slot [lecture]=speaker [drill]=scenario
  [inspection]=inspector [linkage]=activity [gate_duty]=shift [bus]=plate [bus_rider]=student_ref
  [bus_trip]=checked_by [equipment]=interval_days [equipment_check]=checker [risk]=status
  [hazard]=severity [hazard_event]=actor [notice]=due_date [notice_event]=notice_hlc
  [calendar]=term_end_date [visitor]=purpose [letter_event]=signed_date
)
declare -A BAD=(
  [school_profile]="founded_year=1700" [staff]="staff_role=janitor" [school_class]="grade=13"
  [meeting]="attendees=-3" [policy]="type=law" [letter]="year=1999" [education]="minutes=0"
  [lecture]="lecture_date=2026-02-30" [drill]="segments=principal;principal"
  [inspection]="hazards_found=-1" [linkage]="partner=aliens" [gate_duty]="shift=night"
  [bus]="seats=0" [bus_rider]="student_ref=Wang Xiaoming" [bus_trip]="alighted=-1"
  [equipment]="interval_days=0" [equipment_check]="result=broken" [risk]="status=gone"
  [hazard]="found_date=2026-13-01" [hazard_event]="deadline_date=2026-04-31"
  [notice]="due_date=2026-03-01" [notice_event]="notice_hlc=abc"
  [calendar]="term_end_date=2026-08-01" [visitor]="time_out_ms=1772429999999"
  [letter_event]="signed_date=2026-02-30"
)
# who writes each kind
writer() {
  case $1 in
    notice|calendar) echo bureau ;;
    *) echo amain ;;
  esac
}

declare -A ID EXP

# Splits one CSV line (no line breaks inside) into CELLS.
csv_split() {
  local s=$1 cell="" i=0 n=${#1} ch q=0
  CELLS=()
  while ((i < n)); do
    ch=${s:i:1}
    if ((q)); then
      if [[ $ch == '"' ]]; then
        if [[ ${s:i+1:1} == '"' ]]; then cell+='"'; i=$((i + 1)); else q=0; fi
      else cell+=$ch; fi
    elif [[ $ch == '"' ]]; then q=1
    elif [[ $ch == ',' ]]; then CELLS+=("$cell"); cell=""
    else cell+=$ch; fi
    i=$((i + 1))
  done
  CELLS+=("$cell")
}

# args_for KIND [DROP_FIELD] [OVERRIDE field=value]: the add options in ARGS
args_for() {
  local k=$1 drop=${2:-} over=${3:-} f v line
  ARGS=()
  while IFS= read -r line; do
    f=${line%%=*}
    v=${line#*=}
    [[ $f == "$drop" ]] && continue
    [[ -n $over && ${over%%=*} == "$f" ]] && v=${over#*=}
    if [[ $v == @* ]]; then v=${ID[${v#@}]:-missing-${v#@}}; fi
    ARGS+=("--${f//_/-}" "$v")
  done < <(sample "$k")
}

# compare CLIENT KIND: the exported row of ID[KIND] holds every expected value
compare() {
  local c=$1 k=$2 id=${ID[$2]} head row f i bad="" found
  sc "$c" export "$k" --csv | tr -d '\r' >"$T/exp-$c-$k.csv"
  head=$(head -1 "$T/exp-$c-$k.csv")
  row=$(grep -F ",$id," "$T/exp-$c-$k.csv" | head -1)
  if [[ -z $row ]]; then
    echo "no row for $k $id in $c's export"
    return 1
  fi
  csv_split "$head"
  local -a H=("${CELLS[@]}")
  csv_split "$row"
  local -a R=("${CELLS[@]}")
  if ((${#H[@]} != ${#R[@]})); then
    echo "$k: header has ${#H[@]} columns, row ${#R[@]}"
    return 1
  fi
  while IFS= read -r line; do
    f=${line%%=*}
    found=0
    for i in "${!H[@]}"; do
      if [[ ${H[$i]} == "$f" ]]; then
        found=1
        [[ ${R[$i]} == "${EXP[$k.$f]}" ]] || bad+="$f: got [${R[$i]}] want [${EXP[$k.$f]}]; "
      fi
    done
    ((found)) || bad+="$f: no such column; "
  done < <(sample "$k")
  for i in "${!H[@]}"; do
    case ${H[$i]} in
      school) [[ ${R[$i]} == "${EXP[$k.school]}" ]] || bad+="school: got [${R[$i]}]; " ;;
      campus) [[ ${R[$i]} == "${EXP[$k.campus]}" ]] || bad+="campus: got [${R[$i]}]; " ;;
      deleted) [[ ${R[$i]} == false ]] || bad+="deleted: got [${R[$i]}]; " ;;
    esac
  done
  if [[ -n $bad ]]; then
    echo "$c $k: $bad"
    return 1
  fi
}

# ---------------------------------------------------------------- every kind has a sample
kinds=$(sc amain add --help | sed -n '/^Kinds:/,$p' | sed 's/^Kinds://' | tr -s ' \n' '\n' | sed '/^$/d' \
  | grep -vx person)   # enrolments are signed by `person add`, tested in people_*.sh
check "add --help lists the kinds" test "$(wc -w <<<"$kinds")" -ge 23
missing=""
for k in $kinds; do sample "$k" >/dev/null || missing+="$k "; done
check "every kind has a sample here (missing: ${missing:-none})" test -z "$missing"
missing=""
for k in $kinds; do [[ -n ${REQUIRED[$k]:-} && -n ${BAD[$k]:-} ]] || missing+="$k "; done
check "every kind has a required field and a bad value here (missing: ${missing:-none})" test -z "$missing"

# dependency order: a kind after the kinds its @references name
order="school_profile staff school_class meeting policy letter letter_event education lecture drill inspection
  linkage gate_duty bus bus_rider bus_trip equipment equipment_check risk hazard hazard_event
  notice calendar notice_event visitor"
for k in $kinds; do
  grep -qw "$k" <<<"$order" || missing+="$k(order) "
done
check "every kind is in the order list" test -z "$missing"

# ---------------------------------------------------------------- add every kind
for k in $order; do
  w=$(writer "$k")
  if [[ $k == notice_event ]]; then
    check "bureau syncs its notices" sc bureau sync
    check "A-main pulls the notice" sc amain sync
    ID[notice_hlc]=$(sc amain export notice --csv | tr -d '\r' | grep -F ",${ID[notice]}," | awk -F, '{print $(NF-1)}')
    check "A-main knows the notice's version" test -n "${ID[notice_hlc]}"
  fi
  args_for "$k"
  as=""
  [[ $k == letter_event ]] && as=dh-amain
  out=$(SAFECAMPUS_AS=$as sc "$w" add "$k" "${ARGS[@]}" 2>"$T/add-$k.err")
  rc=$?
  check "$w adds $k" eq "$rc" 0
  [[ $rc == 0 ]] || cat "$T/add-$k.err"
  ID[$k]=$out
  while IFS= read -r line; do
    f=${line%%=*}
    v=${line#*=}
    if [[ $v == @* ]]; then v=${ID[${v#@}]}; fi
    EXP[$k.$f]=$v
  done < <(sample "$k")
  if [[ $w == bureau ]]; then
    EXP[$k.school]=""
    EXP[$k.campus]=office
  else
    EXP[$k.school]=schoolA
    EXP[$k.campus]=main
  fi
done
check "the bus trip's mismatch raised the alarm naming the bus" grep -q "ALARM: BUS 川A·12345" "$T/add-bus_trip.err"

check "A-main syncs every kind" sc amain sync
check "nothing was rejected" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Eq '^rejected: +0$'"
for c in aeast bmain bureau; do check "$c pulls" sc "$c" sync; done

# ---------------------------------------------------------------- round trips, field by field
for k in $order; do
  w=$(writer "$k")
  if [[ $w == bureau ]]; then
    readers="amain aeast"
  else
    readers="aeast bureau"
  fi
  for c in $readers; do
    check "$k: $c's export holds every field ($w -> server -> $c)" compare "$c" "$k"
  done
done

# school B sees no row of A; the notice to schoolA;schoolC does not reach B
for k in $order; do
  [[ $k == calendar ]] && continue
  check "$k: school B does not see it" bash -c "! \"$SAFECAMPUS\" --store \"$T/bmain.db\" export $k --csv | grep -qF '${ID[$k]}'"
done
check "calendar: the bureau's calendar reaches school B" compare bmain calendar
check_fail "school B cannot show A's hazard" sc bmain show "${ID[hazard]}"

# ---------------------------------------------------------------- who may write what
for k in notice calendar; do
  args_for "$k"
  sc amain add "$k" "${ARGS[@]}" >/dev/null 2>"$T/e"
  check "a school cannot add a $k (exit 1)" eq "$?" 1
  check "... and is told only the bureau writes it" grep -q "only the bureau may write $k" "$T/e"
done
args_for meeting
sc bureau add meeting "${ARGS[@]}" >/dev/null 2>"$T/e"
check "the bureau cannot add a school's meeting (exit 1)" eq "$?" 1
check "... and is told why" grep -q "written by schools" "$T/e"

# ---------------------------------------------------------------- validation errors, every kind
for k in $order; do
  w=$(writer "$k")
  f=${REQUIRED[$k]}
  args_for "$k" "$f"
  sc "$w" add "$k" "${ARGS[@]}" >/dev/null 2>"$T/e"
  rc=$?
  check "$k without $f is refused" test "$rc" -ne 0
  check "... naming $k.$f" grep -Eq "$k\.$f|--${f//_/-}" "$T/e"
  bad=${BAD[$k]}
  f=${bad%%=*}
  args_for "$k" "" "$bad"
  sc "$w" add "$k" "${ARGS[@]}" >/dev/null 2>"$T/e"
  rc=$?
  check "$k with $bad is refused" test "$rc" -ne 0
  check "... naming the field $f" grep -Eq "$k\.$f|--${f//_/-}" "$T/e"
done
check "refused adds wrote nothing" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Eq '^pending: +0$'"

# ---------------------------------------------------------------- a verb from the kind table: visitor leave
v=$(sc amain add visitor --name "Chen Jing" --purpose "parent meeting" --host "Head teacher Li")
check "a visitor signs in (time in defaults to now)" test ${#v} -eq 36
check "... and is on site" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" list visitor --status on_site | grep -q '^${v:0:8} '"
check "visitor leave" sc amain visitor leave "${v:0:8}"
check "... and has left" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" list visitor --status left | grep -q '^${v:0:8} '"
check "leaving twice changes nothing" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" visitor leave ${v:0:8} | grep -q 'left already'"
check_fail "visitor leave takes a visitor's id" sc amain visitor leave "${ID[meeting]:0:8}"
check "A-main syncs the visit" sc amain sync
check "the server has the time out" eq "$(sql "select (time_out_ms >= time_in_ms and time_in_ms > 0)::text from visitor where id='$v'")" true

e2e_done
