#!/usr/bin/env bash
# The browser interface in a real browser: headless Chromium (Debian's, driven
# by puppeteer-core from tests/browser/) against `safecampus serve`, synced
# with a real safecampusd and PostgreSQL. The browser asks for Chinese; it
# signs in, adds a record of every kind its pages offer, sees a field error,
# walks a hazard from report to close with two people, acknowledges a notice
# the bureau issued, imports a CSV with bad rows and opens the dashboard; a
# second Chromium set to English (--lang=en-US) fills a Chinese form's date
# (read out in Chinese beside the field, sent as ISO)
# (tests/browser/web.test.js says what it checks). Then the rows must be in
# PostgreSQL, and the photo the browser attached to the rectification must be
# in the server's evidence tables, whole. Then the bureau's own serve: the
# district dashboard, school A's, and school A's photo fetched on demand.
# And school B's sync page, where the server rejected two rectifications (the
# other campus took the step first): one fixed in its form and accepted, one
# discarded. Screenshots of the main pages are kept in SC_BROWSER_SHOTS
# (default: BUILD/Testing/browser), printed at the end.
#
# Needs node, npm and chromium (deploy/deps.sh --test); the first run fills
# tests/browser/node_modules from the npm registry (`npm ci`, pinned by
# package-lock.json; puppeteer-core downloads no browser).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
# shellcheck source=tests/lib/pg.sh
source "$SC_SOURCE_DIR/tests/lib/pg.sh"

BROWSER_DIR=$SC_SOURCE_DIR/tests/browser
CHROMIUM=${SC_CHROMIUM:-/usr/bin/chromium}
SHOTS=${SC_BROWSER_SHOTS:-$SC_BIN_DIR/Testing/browser}
phase() { echo "browser: [${SECONDS}s] $*"; }
for tool in node npm "$CHROMIUM"; do
  command -v "$tool" >/dev/null || { echo "browser: $tool is missing (deploy/deps.sh --test)"; exit 1; }
done

# the puppeteer-core the lock file pins, once per checkout (and again when the lock changes)
stamp=$BROWSER_DIR/node_modules/.sc-lock
exec 9>"/tmp/sc-browser-npm.lock"
flock 9  # the normal and the ASan build's runs share the folder
if ! cmp -s "$BROWSER_DIR/package-lock.json" "$stamp" 2>/dev/null; then
  echo "browser: npm ci in $BROWSER_DIR"
  npm_ci() { (cd "$BROWSER_DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefer-offline --no-audit \
    --no-fund --loglevel=error "$@"); }
  if ! npm_ci 2>"$BROWSER_DIR/.npm-ci.err"; then
    cat "$BROWSER_DIR/.npm-ci.err"
    # A network that re-signs TLS with its own CA (a proxy this machine's
    # certificate store does not know, as in a fresh chroot): the packages'
    # content is still checked, against the sha512 `integrity` of every
    # entry in package-lock.json, so only the transport's check is dropped
    if grep -qi 'certificate' "$BROWSER_DIR/.npm-ci.err"; then
      echo "browser: npm ci again without TLS verification; package-lock.json's sha512 integrity still checks every package"
      npm_ci --strict-ssl=false || { echo "browser: npm ci failed"; exit 1; }
    else
      echo "browser: npm ci failed"
      exit 1
    fi
  fi
  rm -f "$BROWSER_DIR/.npm-ci.err"
  cp "$BROWSER_DIR/package-lock.json" "$stamp"
fi
exec 9>&-

# PostgreSQL: the suite's cluster (tests/run.sh), else one of our own
OWN_PG=
SPID=
NPID=
T=
finish() {
  [[ -n $NPID ]] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
  [[ -n $SPID ]] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  [[ -n $T ]] && e2e_cleanup
  [[ -n $OWN_PG ]] && { pg_stop "$OWN_PG/pg"; rm -rf "$OWN_PG"; }
}
trap finish EXIT
if [[ -z "${PGHOST:-}" ]]; then
  OWN_PG=$(mktemp -d /tmp/sc-browser-pg.XXXXXX)
  pg_start "$OWN_PG/pg" 2>/dev/null || { echo "browser: cannot start PostgreSQL"; exit 1; }
fi
phase "PostgreSQL ready"
e2e_init browser
trap finish EXIT  # e2e_init set its own
phase "PKI made"

# Chromium starts while the servers do: the script waits for $T/ready.json
mkdir -p "$SHOTS"
SC_READY="$T/ready.json" SC_CHROMIUM="$CHROMIUM" SC_SHOTS="$SHOTS" SC_OUT="$T/browser.json" \
  SC_TMP="$T" SC_USER1=wang SC_PASS1=principal-pw-1 SC_USER2=li SC_PASS2=teacher-pw-22 \
  SC_READY2="$T/ready2.json" SC_USER3=officer-bureau SC_PASS3=secret-officer-bureau \
  timeout 300 node "$BROWSER_DIR/web.test.js" >"$T/node.log" 2>&1 &
NPID=$!

client_new amain schoolA main
client_new bureau bureau office
server_start
# the principal and a head teacher of school A; the bureau's officer
printf 'principal-pw-1\n' >"$T/pw1"; printf 'teacher-pw-22\n' >"$T/pw2"
sc amain person add --login wang --name 王校长 --role principal \
  --admin-key "$T/pki/people-admin.key" --new-password-file "$T/pw1" >/dev/null
sc amain person add --login li --name 李老师 --role head_teacher \
  --admin-key "$T/pki/people-admin.key" --new-password-file "$T/pw2" >/dev/null
person_new bureau officer-bureau bureau_officer
today=$(date +%F)
due=$(date -d '+14 days' +%F)
NOTICE=$(sc_as bureau officer-bureau notice issue --title "防溺水安全教育通知" \
  --body "各校开展防溺水专题班会。" --issue-date "$today" --due-date "$due" --targets schoolA \
  --required-action "召开班会")
check "the bureau issues a notice to school A" test ${#NOTICE} -eq 36
check "the bureau syncs" sc bureau sync
check "school A pulls it" sc amain sync

# school B: two campuses rectify the same two hazards offline; the east
# campus reaches the server first, so the main campus's two are rejected
client_new bmain schoolB main
client_new beast schoolB east
person_new bmain vp-bmain vice_principal; as_default bmain vp-bmain
person_new beast vp-beast vice_principal; as_default beast vp-beast
for t in 安全出口堵塞 实验室电线老化; do
  hzb=$(sc bmain hazard report --title "$t" --area fire --severity high --reporter 门卫吴)
  sc bmain hazard assign "$hzb" --owner 后勤周 --deadline "$due" >/dev/null
done
check "school B's hazards reach the server" sc bmain sync
check "... and the east campus" sc beast sync
server_kill TERM
for hzb in $(sqlite3 "$T/bmain.db" "select id from records where kind = 'hazard'"); do
  sc bmain hazard rectify "$hzb" --note 门已重新安装 >/dev/null
  sc beast hazard rectify "$hzb" --note 更换了合页 >/dev/null
done
server_start
check "the east campus's rectifications reach the server first" sc beast sync
sc bmain sync >"$T/bmain.sync" 2>&1
check "... so the main campus's two are rejected" \
  eq "$(sqlite3 "$T/bmain.db" "select count(*) from outbox where state <> 'pending'")" 2
BWP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bmain.db" serve --listen "127.0.0.1:$BWP" >"$T/bmserve.log" 2>&1 &
BMPID=$!

phase "server, people, notice ready"
# a low limit per file, so that the browser can be shown a file over it
check "school A's evidence limit is 1 MiB a file" sc amain evidence limits --max-file 1048576
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --listen "127.0.0.1:$WP" >"$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && break; sleep 0.1; done
check "safecampus serve answers" curl -sf -o /dev/null "http://127.0.0.1:$WP/"

phase "serve answers"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$BWP/" && break; sleep 0.1; done
check "school B's serve answers" curl -sf -o /dev/null "http://127.0.0.1:$BWP/"
printf '{"url": "http://127.0.0.1:%s", "notice": "%s", "bsync": "http://127.0.0.1:%s"}\n' "$WP" "$NOTICE" "$BWP" >"$T/ready.tmp"
mv "$T/ready.tmp" "$T/ready.json"
# the school's part is done when it writes browser.json; the bureau's follows
for _ in $(seq 2400); do
  [[ -s $T/browser.json ]] && break
  kill -0 "$NPID" 2>/dev/null || break
  sleep 0.1
done

phase "school's part done"
# school B's page: the fixed rectification went up as a note, the discarded one never did
for _ in $(seq 50); do
  [ "$(sqlite3 "$T/bmain.db" "select count(*) from outbox")" = 0 ] && break
  sleep 0.2
done
check "school B's outbox is empty after the fix and the discard" \
  eq "$(sqlite3 "$T/bmain.db" "select count(*) from outbox")" 0
check "PostgreSQL has the fixed one, as a note of the main campus" \
  eq "$(sql "select count(*) from hazard_event where school = 'schoolB' and campus = 'main' and action = 'note'")" 1
check "... and no rectification of the main campus" \
  eq "$(sql "select count(*) from hazard_event where school = 'schoolB' and campus = 'main' and action = 'rectify'")" 0
kill "$BMPID"; wait "$BMPID" 2>/dev/null
# what the browser wrote is synced by serve itself: wait for the outbox to empty
for _ in $(seq 100); do
  [ "$(curl -s "http://127.0.0.1:$WP/sync" | grep -c 'id="outbox-empty"')" = 1 ] && break
  sleep 0.2
done
check "serve pushed everything the browser wrote" \
  bash -c "curl -s 'http://127.0.0.1:$WP/sync' | grep -q 'id=\"outbox-empty\"'"
phase "outbox empty"
# the photo follows the records up (client/sync_evidence.c), in chunks, into PostgreSQL
PHOTO=$(node -e 'console.log(require(process.argv[1]).photo||"")' "$T/browser.json" 2>/dev/null)
HZ=$(node -e 'console.log(require(process.argv[1]).hazard||"")' "$T/browser.json" 2>/dev/null)
check "the browser attached a photo (its SHA-256)" test ${#PHOTO} -eq 64
for _ in $(seq 100); do
  [ "$(sql "select complete from evidence_file where school='schoolA' and sha256=decode('$PHOTO','hex')")" = t ] && break
  sleep 0.2
done
check "PostgreSQL has the photo complete (evidence_file)" \
  eq "$(sql "select complete from evidence_file where school='schoolA' and sha256=decode('$PHOTO','hex')")" t
check "... its chunks hash to its name (evidence_chunk)" \
  eq "$(sql "select encode(sha256(string_agg(data, ''::bytea order by off)), 'hex') from evidence_chunk where school='schoolA' and sha256=decode('$PHOTO','hex')")" "$PHOTO"
check "... under its UTF-8 name, as a JPEG" \
  eq "$(sql "select name || ' ' || media_type from evidence_file where school='schoolA' and sha256=decode('$PHOTO','hex')")" "整改后照片.jpg image/jpeg"
check "... and the refused oversize file never left the campus (the photo and the drill's plan)" \
  eq "$(sql "select count(*) from evidence_file where school='schoolA' and complete")" 2
check "the campus's page now says the photo is uploaded" bash -c \
  "curl -s 'http://127.0.0.1:$WP/r/$HZ' | grep -q 'data-state=\"uploaded\"'"
check "no refused upload was left in the campus's evidence directory" \
  eq "$(ls "$T/amain.db.evidence" | wc -l)" 2

# the bureau: its own serve, synced, with the district's dashboard
check "the bureau pulls what school A wrote" sc bureau sync
check "the bureau has the district dashboard" sc bureau dashboard --refresh --csv "$T/bdash.csv"
BP2=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bureau.db" serve --listen "127.0.0.1:$BP2" >"$T/bserve2.log" 2>&1 &
BPID2=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$BP2/" && break; sleep 0.1; done
check "the bureau's serve answers" curl -sf -o /dev/null "http://127.0.0.1:$BP2/"
check "the bureau has no copy of the photo yet" test ! -e "$T/bureau.db.evidence/$PHOTO"
printf '{"url": "http://127.0.0.1:%s"}\n' "$BP2" >"$T/ready2.tmp"
mv "$T/ready2.tmp" "$T/ready2.json"
wait "$NPID"; NPID=
cat "$T/node.log"
check "the browser run passed" grep -q '^browser: all passed' "$T/node.log"
check "the bureau keeps the fetched photo, its bytes hashing to its name" \
  eq "$(sha256sum <"$T/bureau.db.evidence/$PHOTO" | cut -d' ' -f1)" "$PHOTO"
kill "$BPID2"; wait "$BPID2"; rc=$?
check "the bureau's serve stops cleanly on TERM, its fetch freed (exit 0)" eq "$rc" 0
phase "browser done"
# the kinds the browser added (one line "kind count" each), counted in PostgreSQL
if [[ -s $T/browser.json ]]; then
  while read -r kind n; do
    check "PostgreSQL has the $kind rows the browser added ($n)" \
      eq "$(sql "select count(*) from $kind where school='schoolA'")" "$n"
  done < <(node -e 'const o=require(process.argv[1]);for(const[k,n]of Object.entries(o.added))console.log(k,n)' "$T/browser.json")
fi
# the bureau's pages list every school's records with the school named, and filter by it
BP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --listen "127.0.0.1:$BP" >"$T/bserve.log" 2>&1 &
BPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$BP/" && break; sleep 0.1; done
curl -s -H 'Accept-Language: zh-CN' "http://127.0.0.1:$BP/k/hazard" >"$T/b-list.html"
check "the bureau's hazard list has a school column" grep -q '<th>学校</th>' "$T/b-list.html"
# by its name (the profile the browser added, as the district dashboard has it), not its id
check "... naming school A on its rows" bash -c "grep -q '<td>城南实验小学</td>' '$T/b-list.html' && ! grep -q '<td>schoolA</td>' '$T/b-list.html'"
check "... and the closed hazard" grep -q '教学楼二楼灭火器过期' "$T/b-list.html"
check "filtered to another school, nothing" bash -c \
  "curl -s -H 'Accept-Language: zh-CN' 'http://127.0.0.1:$BP/k/hazard?school=schoolC' | grep -q 'id=\"count\">共 0 条'"
kill "$BPID"; wait "$BPID" 2>/dev/null
# the signed history of everything the browser did checks out on the command
# line too, at the campus and at the bureau: the bureau's signed notice and
# the school's acknowledgement are two chains, not one with two first steps
check "safecampus verify at the campus: nothing altered" sc amain verify
check "safecampus verify at the bureau: nothing altered" sc bureau verify

kill "$SPID"; wait "$SPID"; rc=$?; SPID=
check "serve stops cleanly on TERM (exit 0)" eq "$rc" 0
phase "serve stopped"
echo "browser: screenshots in $SHOTS"
e2e_done
