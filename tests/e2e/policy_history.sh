#!/usr/bin/env bash
# Policies keep their history (issue 10: editing version 2026.1 to 2026.2
# overwrote it): an edit that changes the version writes a new record naming
# the one it replaced; `show` lists the versions; `show ID --on DATE` shows
# the one in force that day; both versions reach the server (012). Also the
# gate duty's named volunteers (011), refused with the field named when wrong.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init policy_history
client_new amain schoolA main
person_new amain vp-amain vice_principal; as_default amain vp-amain
server_start

p1=$(sc amain add policy --title "消防应急预案" --type emergency_plan --version 2026.1 \
  --effective-date 2026-02-01 --summary "第一版")
check "a plan, version 2026.1" test ${#p1} -eq 36
p2=$(sc amain edit "$p1" --version 2026.2 --effective-date 2026-09-01 --summary "第二版" 2>"$T/err")
check "editing the version gives a new record" test ${#p2} -eq 36 -a "$p2" != "$p1"
check "... the old version is kept as it was" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" show $p1 | grep -q 'version  *2026.1'"
check "... the new one names it" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" show $p2 | grep -q 'previous_id  *$p1'"
check "two policy records" eq "$(sc amain list policy | grep -c '^[0-9a-f]\{8\} ')" 2
sc amain show "$p2" >"$T/show"
check "show lists the versions in order" bash -c "grep -A2 '^versions' '$T/show' | sed -n 2p | grep -q '${p1:0:8}  2026.1 .*2026-02-01' && grep -A2 '^versions' '$T/show' | sed -n 3p | grep -q '${p2:0:8}  2026.2 .*2026-09-01  (this one)'"
sc amain show "$p2" --on 2026-03-01 >"$T/on"
check "--on 2026-03-01: version 2026.1 was in force" bash -c "head -1 '$T/on' | grep -q 'in force on 2026-03-01' && grep -q 'version  *2026.1' '$T/on'"
sc amain show "$p1" --on 2026-10-01 >"$T/on2"
check "--on 2026-10-01 from the old id: version 2026.2" grep -q 'version  *2026.2' "$T/on2"
sc amain show "$p1" --on 2025-12-31 >/dev/null 2>"$T/err"
check "--on before the first: exit 1" eq "$?" 1
check "... saying none was in force" grep -q "no version of ${p1:0:8} was in force on 2025-12-31" "$T/err"
check_fail "--on a bad date is a usage error" sc amain show "$p1" --on 2026-02-30
check "an edit that keeps the version overwrites" sc amain edit "$p2" --summary "第二版（修订）"
check "... still two records" eq "$(sc amain list policy | grep -c '^[0-9a-f]\{8\} ')" 2
check "the school syncs" sc amain sync
check "the server holds both versions, linked" eq \
  "$(sql "SELECT count(*) FILTER (WHERE previous_id IS NULL), count(*) FILTER (WHERE previous_id = '$p1') FROM policy")" "1|1"

# gate duty: the volunteers by name
check "a shift with two named volunteers" sc amain add gate_duty --duty-date 2026-03-09 --shift morning \
  --leader 赵 --volunteers "张妈妈;李爸爸" --parent-volunteers 2
sc amain add gate_duty --duty-date 2026-03-10 --shift morning --leader 赵 \
  --volunteers "张妈妈;李爸爸" --parent-volunteers 3 >/dev/null 2>"$T/err"
check "a count that disagrees with the names: refused" eq "$?" 1
check "... naming the field" grep -q "parent_volunteers: 3, but volunteers names 2" "$T/err"
check_fail "a repeated name refused" sc amain add gate_duty --duty-date 2026-03-10 --shift morning \
  --leader 赵 --volunteers "张妈妈;张妈妈"
check "the names reach the server" sc amain sync
check "... as written" eq "$(sql "SELECT volunteers FROM gate_duty")" "张妈妈;李爸爸"
e2e_done
