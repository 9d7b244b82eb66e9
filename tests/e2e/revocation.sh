#!/usr/bin/env bash
# Revocation: a certificate revoked with pki.sh (its CRL given to the server)
# is refused at the handshake; SIGHUP loads a new CRL without dropping good
# connections and closes the live ones of a revoked certificate; the copy a
# `pki.sh issue --force` replaced stops working; a bad or expired CRL is
# refused (start-up fails, a reload keeps the running one).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init revocation
P=$SC_BIN_DIR/tests/scprobe
pki() { "$PKI" "$@" >/dev/null 2>&1; }
probe() { timeout 20 "$P" 127.0.0.1 "$PORT" "$T/pki/$1.crt" "$T/pki/$1.key" "$T/pki/ca.crt" "${@:2}" 2>&1; }
# Sends SIGHUP and waits for the reload's log line (ok or failed).
hup() {
  local before
  before=$(grep -cE 'reloaded settings|reload failed' "$T/server.log")
  kill -HUP "$SERVER_PID"
  for _ in $(seq 1 50); do
    (($(grep -cE 'reloaded settings|reload failed' "$T/server.log") > before)) && return 0
    sleep 0.1
  done
  echo "no reload line after SIGHUP"
  return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
# The server logs a refusal when it closes, which may be just after the
# client gave up: wait for the line (5 s at most).
wait_log() {
  for _ in $(seq 1 50); do grep -q "$1" "$T/server.log" && return 0; sleep 0.1; done
  grep -q "$1" "$T/server.log"
}

for s in schoolA schoolB schoolC schoolD; do pki issue "$T/pki" "$s" main; done
server_start || exit 1
check "the server loaded the CRL" grep -q 'crl loaded file=.*crls=1 revoked=0' "$T/server.log"
check "schoolA connects before it is revoked" grep -q "welcome school=schoolA" <<<"$(probe schoolA-main handshake)"
# a TLS 1.3 session ticket taken before the revocation (openssl s_client keeps it)
s_client() {  # WHO, then s_client options
  local who=$1
  shift
  (sleep 0.5; echo) | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -cert "$T/pki/$who.crt" -key "$T/pki/$who.key" -CAfile "$T/pki/ca.crt" "$@" 2>&1
}
s_client schoolA-main -sess_out "$T/a.sess" >"$T/sess1.out"
check "schoolA got a session ticket" grep -q "TLS session ticket:" "$T/sess1.out"
check "and resumes with it while it is valid" grep -q "^Reused, TLSv1.3" <<<"$(s_client schoolA-main -sess_in "$T/a.sess")"

# ---- 1. revoked, then SIGHUP: refused at the handshake, its live connection closed
probe schoolA-main watch-dashboard 30 >"$T/watchA.out" &
WA=$!
probe schoolB-main watch-dashboard 30 >"$T/watchB.out" &
WB=$!
for _ in $(seq 1 50); do grep -q subscribed "$T/watchA.out" && grep -q subscribed "$T/watchB.out" && break; sleep 0.1; done
check "two campuses are connected and subscribed" grep -q subscribed "$T/watchB.out"
"$PKI" revoke "$T/pki" schoolA main 2>"$T/revoke.err"
check "pki.sh revoke rewrote crl.pem with the serial" \
  grep -q "$(openssl x509 -in "$T/pki/schoolA-main.crt" -noout -serial | cut -d= -f2)" <<<"$(openssl crl -in "$T/pki/crl.pem" -noout -text)"
check "before the reload the old CRL still rules (revocation takes effect on SIGHUP)" alive "$WA"
hup
check "the reload names the connection it closed" grep -q 'reloaded settings_changed=0 connections=.* closed_no_longer_valid=1' "$T/server.log"
for _ in $(seq 1 50); do alive "$WA" || break; sleep 0.1; done
check "the revoked campus's live connection was closed" bash -c "! kill -0 $WA 2>/dev/null"
check "... and told why (ERROR_FORBIDDEN, certificate revoked)" grep -q "error code=12 message=certificate no longer accepted: certificate revoked" "$T/watchA.out"
check "the server logged the refusal with the subject" grep -q 'refused conn=schoolA/main subject="CN=main,OU=schoolA,O=d1" reason="certificate no longer accepted: certificate revoked"' "$T/server.log"
check "the other campus's connection stayed" alive "$WB"
out=$(probe schoolA-main handshake)
check_fail "a new connection of the revoked certificate is refused" grep -q welcome <<<"$out"
check "server logs: handshake failed ... certificate revoked" wait_log 'handshake failed conn=127.0.0.1:[0-9]* reason="tls: certificate verify failed: certificate revoked"' "$T/server.log"
check "schoolB still connects" grep -q "welcome school=schoolB" <<<"$(probe schoolB-main handshake)"
s_client schoolA-main -sess_in "$T/a.sess" >"$T/sess2.out"
check "the revoked campus's old session is not resumed" bash -c "! grep -q '^Reused' '$T/sess2.out'"
check "... its certificate is refused at the full handshake instead" \
  test "$(grep -c 'handshake failed conn=127.0.0.1:[0-9]* reason="tls: certificate verify failed: certificate revoked"' "$T/server.log")" -ge 2

# the real client, revoked: a clear failure, its outbox kept
client_new acli schoolA main2
client_new bcli schoolB main2
sc acli add hazard --title "before revocation" --area facility --severity low >/dev/null
check "schoolA/main2 syncs (its own certificate is not revoked)" sc acli sync --timeout-ms 10000
check "its next sync resumes the TLS session kept in its store" sc acli sync --timeout-ms 10000
check "... as the server logs" grep -q 'handshake ok conn=schoolA/main2 .*tls="TLSv1.3 [A-Z0-9_]* resumed"' "$T/server.log"
pki revoke "$T/pki" schoolA main2
hup
sc acli add hazard --title "after revocation" --area facility --severity low >/dev/null
sc acli sync --timeout-ms 10000 >"$T/acli.out" 2>&1
rc=$?
echo "  revoked client: exit $rc: $(head -1 "$T/acli.out")"
check "the revoked client's sync fails: exit 5, certificate refused (docs/CLI.md)" eq "$rc" 5
check "... saying its certificate was revoked" grep -qi "revoked" "$T/acli.out"
check "... and it keeps its outbox" eq "$(sqlite3 "$T/acli.db" 'select count(*) from outbox')" 1
sc bcli add hazard --title "school B" --area facility --severity low >/dev/null
check "another school syncs meanwhile" sc bcli sync --timeout-ms 10000

# ---- 2. issue --force: the replaced copy is revoked
cp "$T/pki/schoolC-main.crt" "$T/oldC.crt"
cp "$T/pki/schoolC-main.key" "$T/oldC.key"
check "the first copy of schoolC connects" grep -q "welcome school=schoolC" <<<"$(probe schoolC-main handshake)"
"$PKI" issue --force "$T/pki" schoolC main 2>"$T/force.err"
check "issue --force says it revoked the old copy" grep -q "revoked .*schoolC-main.crt.*superseded" "$T/force.err"
hup
out=$(timeout 20 "$P" 127.0.0.1 "$PORT" "$T/oldC.crt" "$T/oldC.key" "$T/pki/ca.crt" handshake 2>&1)
check_fail "the copy left after issue --force is refused" grep -q welcome <<<"$out"
check "the new copy connects" grep -q "welcome school=schoolC" <<<"$(probe schoolC-main handshake)"

# ---- 3. a bad CRL: the reload fails and the running one stays
cp "$T/pki/crl.pem" "$T/crl.good"
"$PKI" "$T/rogue" d1 localhost >/dev/null 2>&1
cp "$T/rogue/crl.pem" "$T/pki/crl.pem"
hup
check "a CRL of another CA: reload failed, saying why" grep -q 'reload failed, keeping the running configuration and certificates err="tls: CRL file .* is not signed by a CA of' "$T/server.log"
check "... the running CRL stays: schoolB connects" grep -q "welcome school=schoolB" <<<"$(probe schoolB-main handshake)"
check "... and the revoked one stays refused" bash -c "! grep -q welcome <<<\"\$(timeout 20 $P 127.0.0.1 $PORT $T/pki/schoolA-main.crt $T/pki/schoolA-main.key $T/pki/ca.crt handshake 2>&1)\""
# an expired CRL (next update one second after it was made)
cp "$T/crl.good" "$T/pki/crl.pem"
openssl ca -batch -config "$T/pki/ca.db/openssl.cnf" -gencrl -crlsec 1 -out "$T/crl.expired" 2>/dev/null
sleep 2
cp "$T/crl.expired" "$T/pki/crl.pem"
hup
check "an expired CRL: reload failed (has expired)" grep -q 'reload failed.*has expired' "$T/server.log"
check "... schoolB still connects" grep -q "welcome school=schoolB" <<<"$(probe schoolB-main handshake)"
: >"$T/empty.pem"
cp "$T/empty.pem" "$T/pki/crl.pem"
hup
check "an empty CRL file: reload failed" grep -q 'reload failed.*\(holds no CRL\|is not PEM\)' "$T/server.log"
cp "$T/crl.good" "$T/pki/crl.pem"
check "the server is alive" alive "$SERVER_PID"
kill "$WB" 2>/dev/null; wait "$WB" 2>/dev/null

# ---- 4. start-up with a bad CRL fails with exit 1 and the reason
server_kill
cp "$T/crl.expired" "$T/expired.pem"
timeout 20 "$SAFECAMPUSD" --config "$T/server.conf" --crl "$T/expired.pem" >"$T/start.out" 2>&1
check "start-up with an expired CRL: exit 1" eq "$?" 1
check "... saying the CRL has expired" grep -q 'tls setup failed.*has expired' "$T/start.out"
timeout 20 "$SAFECAMPUSD" --config "$T/server.conf" --crl "$T/nonexistent.pem" >"$T/start.out" 2>&1
check "start-up with a missing CRL file: exit 1" eq "$?" 1
check "... naming the file" grep -q 'tls setup failed.*nonexistent.pem' "$T/start.out"
timeout 20 "$SAFECAMPUSD" --config "$T/server.conf" --crl "" --migrate-only >/dev/null 2>&1

# ---- 5. several workers: the parent passes SIGHUP on to each
echo "workers = 2" >>"$T/server.conf"
server_start || exit 1
sleep 0.5
check "schoolD connects through either worker" grep -q "welcome school=schoolD" <<<"$(probe schoolD-main handshake)"
pki revoke "$T/pki" schoolD main
before=$(grep -c 'reloaded settings' "$T/server.log")
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do (($(grep -c 'reloaded settings' "$T/server.log") >= before + 2)) && break; sleep 0.1; done
check "both workers reloaded" test "$(grep -c 'reloaded settings' "$T/server.log")" -ge $((before + 2))
ok=0
for _ in 1 2 3 4 5 6; do grep -q welcome <<<"$(probe schoolD-main handshake)" && ok=1; done
check "schoolD is refused by every worker" eq "$ok" 0
check "schoolB still connects" grep -q "welcome school=schoolB" <<<"$(probe schoolB-main handshake)"
s_client schoolA-main -sess_in "$T/a.sess" >"$T/sess2.out"
check "the revoked campus's old session is not resumed" bash -c "! grep -q '^Reused' '$T/sess2.out'"
check "... its certificate is refused at the full handshake instead" \
  test "$(grep -c 'handshake failed conn=127.0.0.1:[0-9]* reason="tls: certificate verify failed: certificate revoked"' "$T/server.log")" -ge 2

# ---- 6. the client side: a CRL for the server certificate (optional)
client_new ccli schoolB main3
cp "$T/rogue/crl.pem" "$T/rogue-crl.pem"
sc ccli init --crl "$T/rogue-crl.pem" >"$T/init-bad.out" 2>&1
check_fail "init --crl refuses a CRL of another CA" test $? -eq 0
check "... saying why" grep -q "is not signed by a CA of" "$T/init-bad.out"
check "init --crl records the district's CRL" bash -c "'$SAFECAMPUS' --store '$T/ccli.db' init --crl '$T/pki/crl.pem' | grep -q 'crl       $T/pki/crl.pem'"
check "the client with a CRL syncs" sc ccli sync --timeout-ms 10000
"$PKI" --force "$T/pki" d1 localhost 2>"$T/server-force.err"
check "pki.sh --force of the server certificate revokes the old one" grep -q "revoked .*server.crt.*superseded" "$T/server-force.err"
sc ccli sync --timeout-ms 10000 >"$T/ccli.out" 2>&1
rc=$?
echo "  client with a CRL, server certificate revoked: exit $rc: $(head -1 "$T/ccli.out")"
check "a client with the CRL refuses the revoked server certificate" test "$rc" -ne 0
check "... saying it is revoked" grep -q "certificate revoked" "$T/ccli.out"
check "a client without a CRL still syncs with it (the check is optional)" sc bcli sync --timeout-ms 10000
before=$(grep -c 'reloaded settings' "$T/server.log")
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do (($(grep -c 'reloaded settings' "$T/server.log") >= before + 2)) && break; sleep 0.1; done
check "after the server reloads its new certificate, the client with the CRL syncs" sc ccli sync --timeout-ms 10000
e2e_done
