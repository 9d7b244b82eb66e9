#!/usr/bin/env bash
# The district's signoff log, anchored at the bureau (issue 11,
# docs/internals/people.md "The last step deleted"):
#   - every accepted signature takes the next place in the log, and each
#     place's log_hash is the fold of the ones before (checked here with
#     Python's hashlib, not the server's code);
#   - the bureau's pull records the head, `safecampus verify` there prints
#     it; a school's pull carries none;
#   - a counter-signature (the last step of its letter's chain, no derived
#     column) deleted with its signoff row: `safecampusd --verify` names the
#     gap in the log; with the later row renumbered and its hash recomputed
#     to hide the gap, only the bureau's head tells, and it does;
#   - 028's backfill numbers rows from before the log into a log that
#     verifies;
#   - a --log-head that does not parse is a usage error (exit 2).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init signoff_log

client_new amain schoolA main
client_new bureau bureau office
person_new amain chen principal
person_new amain liu vice_principal chen
server_start

has() { grep -q -- "$2" <<<"$1" || { echo "missing [$2] in:"; echo "$1"; return 1; }; }
verify_pg() { "$SAFECAMPUSD" --config "$T/server.conf" "$@" 2>&1; }
verify_cl() { sc "$1" verify --people-key "$T/pki/people-admin.pub" "${@:2}" 2>&1; }
log_of() { sql "select string_agg(log_seq::text, ',' order by log_seq) from signoff"; }
server_head() { sql "select log_seq||':'||encode(log_hash, 'hex') from signoff order by log_seq desc limit 1"; }

lv=$(sc_as amain liu letter sign --year 2026 --level principal_vice --signer "Name liu" \
  --counter-signer "Name chen" --signed-date 2026-02-20)
check "two enrolments and liu's letter reach the server" sc amain sync
check "chen counter-signs liu's letter" sc_as amain chen letter countersign "$lv" --signed-date 2026-02-21
lo=$(sc_as amain chen letter sign --year 2026 --level other --signer "Name chen" \
  --counter-signer "Parents' committee" --signed-date 2026-02-22)
check "... and signs a letter of his own; both reach the server" sc amain sync
check "five signatures, five places in the log, no gap" eq "$(log_of)" "1,2,3,4,5"
fold=$(sql "select string_agg(encode(hash, 'hex'), ' ' order by log_seq) from signoff" | python3 -c '
import hashlib, sys
h = bytes(32)
for x in sys.stdin.read().split():
    h = hashlib.sha256(h + bytes.fromhex(x)).digest()
print(h.hex())')
check "the head's log_hash is the fold of every hash before it" eq "$(server_head)" "5:$fold"

check "the bureau pulls" sc bureau sync
head=$(sqlite3 "$T/bureau.db" "select value from meta where key = 'log_head'")
check "... and records the server's head" eq "$head" "5:$fold"
check "the bureau's verify prints it for the server check" \
  has "$(verify_cl bureau --all)" "safecampusd --verify --log-head=$head"
check "a school's pull carries no head" \
  eq "$(sqlite3 "$T/amain.db" "select count(*) from meta where key = 'log_head'")" 0
check "server verify with the bureau's head: clean" verify_pg --verify --log-head="$head"
check "a head that does not parse: exit 2" \
  bash -c "'$SAFECAMPUSD' --config '$T/server.conf' --verify --log-head=5:zz >/dev/null 2>&1; test \$? -eq 2"

# the counter-signature, its chain's last step, deleted with its signoff row
cs=$(sql "select id from letter_event where letter_id = '$lv'")
cs_pos=$(sql "select log_seq from signoff where id = '$cs'")
sql "delete from letter_event where id = '$cs'; delete from signoff where id = '$cs'" >/dev/null
out=$(verify_pg --verify)
echo "$out" >"$T/verify-gap.out"
check_fail "server verify: exit 1 after the deletion" verify_pg --verify
check "... the log names the gap (the chain alone could not)" \
  has "$out" "the signoff log jumps from position $((cs_pos - 1)) to $((cs_pos + 1))"
# ... and the log rewritten to hide it: the later rows move up one place,
# their log_hash recomputed as the server would
sql "update signoff set log_seq = log_seq - 1 where log_seq > $cs_pos" >/dev/null
sql "select log_seq, encode(hash, 'hex') from signoff order by log_seq" | python3 -c '
import hashlib, sys
h = bytes(32)
for line in sys.stdin.read().split():
    seq, x = line.split("|")
    h = hashlib.sha256(h + bytes.fromhex(x)).digest()
    print("update signoff set log_hash = decode(%r, %r) where log_seq = %s;" % (h.hex(), "hex", seq))
' >"$T/rewrite.sql"
psql -qAtX -d "$E2E_DB" -f "$T/rewrite.sql" >/dev/null
check "server verify without the bureau's head cannot tell any more" verify_pg --verify
out=$(verify_pg --verify --log-head="$head")
echo "$out" >"$T/verify-head.out"
check_fail "with the bureau's head it can (exit 1)" verify_pg --verify --log-head="$head"
check "... saying the newest step(s) were deleted" \
  has "$out" "the signoff log ends at position 4, but the bureau recorded position 5"
# a place whose log_hash was changed (no deletion): named at that place
sql "update signoff set log_hash = sha256(log_hash) where log_seq = 2" >/dev/null
out=$(verify_pg --verify)
check "a log_hash edited: named at its place" \
  has "$out" "its place 2 in the signoff log holds another hash than the log before it makes"

# rows from before the log (here the four left): 028 numbers them in the
# order they were received
sql "update signoff set log_seq = NULL, log_hash = NULL" >/dev/null
sed -n '/^DO \$\$/,/^END \$\$;/p' "$SC_SOURCE_DIR/server/sql/028_signoff_log.sql" >"$T/backfill.sql"
check "028's backfill runs" psql -qAtX -d "$E2E_DB" -v ON_ERROR_STOP=1 -f "$T/backfill.sql"
check "... and gives every row a place again" eq "$(log_of)" "1,2,3,4"
check "... a log the server verifies" verify_pg --verify

e2e_done
