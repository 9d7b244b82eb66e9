#!/usr/bin/env bash
# Versions are ordered by (HLC stamp, writing campus), the same on client,
# server and in SQL, so an edit acknowledged by the server is either the
# version every side ends with or superseded by a version that is newer in
# that order: never dropped for an equal one.
#
# The clocks are set with libfaketime (a real library, no test hook in the
# product): FAKETIME_DONT_FAKE_MONOTONIC keeps libuv's timers on real time.
#   1. Equal stamps: two campuses whose clocks both stand still at the same
#      instant, an hour ahead, tick from the same observed stamp and issue
#      the same stamp for different edits. The campus that sorts first
#      pushes first; the other must still win, on the server and in both
#      stores (before the fix the second push was "accepted" and lost).
#   2. A campus whose clock runs an hour ahead writes; the other campus pulls
#      that version and edits it 2 s later: the later edit wins everywhere.
#   3. A campus whose store was restored from a backup reissues a stamp it
#      already used, for different content: refused with a reason, never
#      acknowledged and dropped; the acknowledged version stays.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init equal_stamps
client_new amain schoolA main
client_new aeast schoolA east
server_start

FT_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [[ -z "$FT_LIB" ]]; then
  echo "libfaketime is missing (deploy/deps.sh --test installs faketime)"
  exit 1
fi
# an ASan build must allow a preloaded library before its runtime
ft_env() {
  echo "LD_PRELOAD=$FT_LIB FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1" \
       "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}
# sc_at FAKETIME NAME ARGS...: the client NAME with its clock set by FAKETIME
sc_at() {
  local ft=$1
  shift
  env $(ft_env) FAKETIME="$ft" "$SAFECAMPUS" --store "$T/$1.db" "${@:2}"
}
# the title as `show` prints it at client $1 for record $2
title_in() { sc "$1" show "$2" | grep -i '^ *title' | sed 's/^ *title *//'; }

# ---- 1. equal stamps, frozen clocks an hour ahead
frozen="$(date -u -d '+1 hour' '+%Y-%m-%d %H:%M:%S')"
export TZ=UTC
check "the frozen clock is an hour ahead" test "$(env $(ft_env) FAKETIME="$frozen" date +%s)" -gt "$(( $(date +%s) + 3000 ))"

hz=$(sc_at "$frozen" amain hazard report --title "Loose handrail" --area building --severity high \
       --location "Stair 2" --reporter "Guard Wu")
check "A-main reported the hazard" test -n "$hz"
check "A-main syncs it" sc_at "$frozen" amain sync
check "A-east pulls it" sc_at "$frozen" aeast sync
check "A-main edits the title" sc_at "$frozen" amain edit "$hz" --title "Loose handrail (main)"
check "A-east edits the title" sc_at "$frozen" aeast edit "$hz" --title "Loose handrail (east)"
s_main=$(sqlite3 "$T/amain.db" "select hlc from outbox where record_id = '$hz'")
s_east=$(sqlite3 "$T/aeast.db" "select hlc from outbox where record_id = '$hz'")
check "both edits carry the same stamp (the case under test)" eq "$s_east" "$s_main"

# "east" < "main" in byte order: east's version is the older one, so it goes first
check "A-east syncs its edit first" sc aeast sync
check "A-east's edit was acknowledged" eq "$(sqlite3 "$T/aeast.db" "select count(*) from outbox")" 0
check "A-main syncs its equal-stamped edit" sc amain sync
check "A-main's edit was acknowledged" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 0
check "the server holds main's version (equal stamp, later writer)" \
  eq "$(sql "select title || '|' || hlc || '|' || written_by from hazard where id = '$hz'")" \
     "Loose handrail (main)|$s_main|main"
check "A-east converges on it" sc aeast sync
check "A-east shows main's title" eq "$(title_in aeast "$hz")" "Loose handrail (main)"
check "A-main kept its title" eq "$(title_in amain "$hz")" "Loose handrail (main)"
check "A-east's store records main as the writer" \
  eq "$(sqlite3 "$T/aeast.db" "select written_by || '|' || hlc from records where id = '$hz'")" "main|$s_main"

# the other order: main first, then east's equal stamp must lose there too
check "A-main edits again" sc_at "$frozen" amain edit "$hz" --description "main's text"
check "A-east pulls nothing yet but edits too" sc_at "$frozen" aeast edit "$hz" --description "east's text"
s_main=$(sqlite3 "$T/amain.db" "select hlc from outbox where record_id = '$hz'")
s_east=$(sqlite3 "$T/aeast.db" "select hlc from outbox where record_id = '$hz'")
check "again the same stamp" eq "$s_east" "$s_main"
check "A-main syncs first this time" sc amain sync
check "A-east syncs after" sc aeast sync
check "A-east's outbox is empty (its version is superseded, not rejected)" \
  eq "$(sqlite3 "$T/aeast.db" "select count(*) from outbox")" 0
check "the server still holds main's version" \
  eq "$(sql "select description || '|' || written_by from hazard where id = '$hz'")" "main's text|main"
check "A-east converged on main's version" \
  eq "$(sqlite3 "$T/aeast.db" "select written_by || '|' || hlc from records where id = '$hz'")" "main|$s_main"

# ---- 2. a clock an hour fast, then a later edit by the other campus
hz2=$(sc_at "+1h" amain hazard report --title "Broken lamp" --area facility --severity low \
        --location "Gate" --reporter "Guard Wu")
check "A-main (an hour fast) syncs a new hazard" sc_at "+1h" amain sync
check "A-east pulls it" sc aeast sync
sleep 2
check "A-east edits it 2 s later" sc aeast edit "$hz2" --title "Broken lamp, replaced bulb"
check "A-east syncs" sc aeast sync
check "A-main syncs" sc_at "+1h" amain sync
check "the later edit is on the server" eq "$(sql "select title from hazard where id = '$hz2'")" \
  "Broken lamp, replaced bulb"
check "and at A-main" eq "$(title_in amain "$hz2")" "Broken lamp, replaced bulb"
# ---- 3. one campus reissues a stamp (its store restored from a backup)
check "A-main syncs before the backup" sc_at "$frozen" amain sync
cp "$T/amain.db" "$T/amain.backup"
check "A-main edits (frozen clock)" sc_at "$frozen" amain edit "$hz" --location "Stair 2, east side"
s1=$(sqlite3 "$T/amain.db" "select hlc from outbox where record_id = '$hz'")
check "and syncs that edit" sc amain sync
check "the edit is stored" eq "$(sql "select location from hazard where id = '$hz'")" "Stair 2, east side"
rm -f "$T/amain.db-wal" "$T/amain.db-shm"
cp "$T/amain.backup" "$T/amain.db"
check "after the restore, A-main edits differently" sc_at "$frozen" amain edit "$hz" --location "Stair 3"
s2=$(sqlite3 "$T/amain.db" "select hlc from outbox where record_id = '$hz'")
check "the restored store reissued the same stamp (the case under test)" eq "$s2" "$s1"
sc amain sync >"$T/restore.sync" 2>&1
check "the server refuses the different content under that version" \
  eq "$(sqlite3 "$T/amain.db" "select state from outbox where record_id = '$hz'")" 1
check "the refusal says what happened" grep -q "reused a clock stamp" \
  <(sqlite3 "$T/amain.db" "select detail from outbox where record_id = '$hz'")
check "the acknowledged edit is still the stored one" \
  eq "$(sql "select location from hazard where id = '$hz'")" "Stair 2, east side"
check "editing again makes a new version that goes through" \
  sc amain edit "$hz" --location "Stair 3"
check "which syncs" sc amain sync
check "and is stored" eq "$(sql "select location from hazard where id = '$hz'")" "Stair 3"
e2e_done
