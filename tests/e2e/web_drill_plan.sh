#!/usr/bin/env bash
# A drill's page shows the emergency plan in force on the drill's date, linked
# to that version's page (issue 10: "the emergency plan in force on a given
# drill's date cannot be shown"). The plan the drill names is read on its
# date (the version `show ID --on DATE` picks, client/versions.h); a drill
# that names none shows the school's emergency plans in force then, not its
# rules; before the first version, none. From the kind table (kind_ops.h
# struct kind_ref), not from code that names a drill.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_drill_plan
client_new amain schoolA main
person_new amain vp vice_principal; as_default amain vp
p1=$(sc amain add policy --title 消防应急预案 --type emergency_plan --version 2026.1 --effective-date 2026-02-01)
p2=$(sc amain edit "$p1" --version 2026.2 --effective-date 2026-09-01 2>/dev/null)
check "the fire plan has two versions" test ${#p1} -eq 36 -a ${#p2} -eq 36 -a "$p1" != "$p2"
rule=$(sc amain add policy --title 安全管理制度 --type rule --version 1 --effective-date 2026-01-01)
drill() { sc amain add drill --theme 消防演练 --scenario fire "$@" 2>/dev/null | grep -o '[0-9a-f-]\{36\}' | tail -1; }
d1=$(drill --drill-date 2026-03-15 --plan-id "$p2")
d2=$(drill --drill-date 2026-10-10 --plan-id "${p1:0:8}")
d3=$(drill --drill-date 2026-03-20)
d4=$(drill --drill-date 2026-01-10 --plan-id "$p1")
check "four drills" test ${#d1} -eq 36 -a ${#d2} -eq 36 -a ${#d3} -eq 36 -a ${#d4} -eq 36

WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
B=http://127.0.0.1:$WP
for _ in $(seq 50); do curl -s -o /dev/null $B/ && break; sleep 0.1; done
# dd ID: the page's line for the plan in force (its <dd>)
dd() { curl -s -H 'Accept-Language: en' "$B/r/$1" | grep -o '<dd id="in-force-plan_id">.*' | sed 's|</dd>.*||'; }
dd "$d1" >"$T/d1"; dd "$d2" >"$T/d2"; dd "$d3" >"$T/d3"; dd "$d4" >"$T/d4"
check "March, naming version 2026.2: version 2026.1 was in force, linked" \
  bash -c "grep -q 'href=\"/r/$p1\"' '$T/d1' && grep -q 'Version 2026.1' '$T/d1' && grep -q 'In force from <time datetime=\"2026-02-01\">2026-02-01</time>' '$T/d1'"
check "... saying the drill names the other version" grep -q "class=\"named\" href=\"/r/$p2\"" "$T/d1"
check "... and not linking 2026.2 as in force" bash -c "! grep -q 'data-id=\"$p2\"' '$T/d1'"
check "October, naming version 2026.1: version 2026.2, linked" \
  bash -c "grep -q 'data-id=\"$p2\"' '$T/d2' && grep -q 'Version 2026.2' '$T/d2' && ! grep -q 'data-id=\"$p1\"' '$T/d2'"
check "a drill naming no plan: the school's emergency plan in force then (2026.1)" \
  bash -c "grep -q 'data-id=\"$p1\"' '$T/d3' && ! grep -q 'data-id=\"$p2\"' '$T/d3'"
check "... not its rules" bash -c "! grep -q '$rule' '$T/d3'"
check "before the first version: none in force" grep -q 'No version was in force on 2026-01-10' "$T/d4"
check "the line's heading in Chinese, its day too" bash -c "curl -s -H 'Accept-Language: zh-CN' '$B/r/$d1' | grep -q '2026年3月15日当日有效的'"
check "the version linked is the one show --on picks" \
  bash -c "\"$SAFECAMPUS\" --store '$T/amain.db' show $p2 --on 2026-03-15 | grep -q 'version  *2026.1'"
check "a page without a date or plan has no such line (a meeting)" \
  bash -c "m=\$(\"$SAFECAMPUS\" --store '$T/amain.db' add meeting --type leadership --meeting-date 2026-03-02 --title 安全会议 2>/dev/null | grep -o '[0-9a-f-]\{36\}' | tail -1); [ -n \"\$m\" ] && ! curl -s '$B/r/'\$m | grep -q 'in-force'"
kill $SPID; wait $SPID 2>/dev/null
e2e_done
