#!/usr/bin/env bash
# Mutual TLS: only certificates issued by this district's CA, still valid,
# naming this district, get in; the server logs why it refused the others;
# the client checks the server's certificate and name.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init tls_auth
server_start

P=$SC_BIN_DIR/tests/scprobe
pki() { "$PKI" "$@" >/dev/null 2>&1; }
pki issue "$T/pki" schoolA main
pki issue --expired --name expired "$T/pki" schoolA old
pki "$T/rogue" d1 localhost
pki issue "$T/rogue" schoolA main
pki "$T/other" d2 localhost
# a certificate from our CA but for another district
pki issue --name otherdistrict "$T/pki" schoolA main
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=d2/OU=schoolA/CN=main" \
  -keyout "$T/od.key" -out "$T/od.csr" 2>/dev/null
openssl x509 -req -in "$T/od.csr" -CA "$T/pki/ca.crt" -CAkey "$T/pki/ca.key" -CAcreateserial \
  -days 30 -out "$T/od.crt" 2>/dev/null

run() { timeout 20 "$P" "$@" 2>&1; }

out=$(run 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" "$T/pki/schoolA-main.key" "$T/pki/ca.crt" handshake)
check "a valid campus certificate is accepted" grep -q "welcome school=schoolA" <<<"$out"
check "TLS 1.3 was negotiated" grep -q "TLSv1.3" "$T/server.log"

out=$(run 127.0.0.1 "$PORT" "" "" "$T/pki/ca.crt" handshake)
check_fail "no client certificate: refused" grep -q "welcome" <<<"$out"
check "server logs: peer did not return a certificate" grep -q "did not return a certificate" "$T/server.log"

out=$(run 127.0.0.1 "$PORT" "$T/rogue/schoolA-main.crt" "$T/rogue/schoolA-main.key" "$T/pki/ca.crt" handshake)
check_fail "certificate from another CA: refused" grep -q "welcome" <<<"$out"
check "server logs: unable to get local issuer certificate" grep -q "unable to get local issuer" "$T/server.log"

out=$(run 127.0.0.1 "$PORT" "$T/pki/expired.crt" "$T/pki/expired.key" "$T/pki/ca.crt" handshake)
check_fail "expired certificate: refused" grep -q "welcome" <<<"$out"
check "server logs: certificate has expired" grep -q "certificate has expired" "$T/server.log"

out=$(run 127.0.0.1 "$PORT" "$T/od.crt" "$T/od.key" "$T/pki/ca.crt" handshake)
check_fail "our CA but another district: refused" grep -q "welcome" <<<"$out"
check "server logs: certificate of another district" grep -q "district d2, not d1" "$T/server.log"
check "the client is told why: ERROR_FORBIDDEN naming the district" grep -q "error code=12 message=certificate is for district d2" <<<"$out"

out=$(run 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" "$T/pki/schoolA-main.key" "$T/rogue/ca.crt" handshake)
check_fail "client refuses a server its CA did not issue" grep -q "welcome" <<<"$out"
check "... saying why" grep -q "verify failed" <<<"$out"

# the real client: wrong server name in init
client_new good schoolA main
sc good init --server "127.0.0.1:$PORT" --server-name not-the-server.example --cert "$T/pki/schoolA-main.crt" \
  --key "$T/pki/schoolA-main.key" --ca "$T/pki/ca.crt" >/dev/null 2>&1
sc good sync --timeout-ms 5000 >"$T/wrongname.out" 2>&1
rc=$?
check "client refuses a server certificate for another name (exit 5: certificate refused)" eq "$rc" 5
check "... with a message naming the mismatch" grep -qi "hostname mismatch" "$T/wrongname.out"

# TLS 1.2 is refused by default
if openssl s_client -help 2>&1 | grep -q tls1_2; then
  out=$(timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -cert "$T/pki/schoolA-main.crt" \
    -key "$T/pki/schoolA-main.key" -CAfile "$T/pki/ca.crt" </dev/null 2>&1)
  check "a TLS 1.2 client is refused (1.3 only by default)" grep -Eq "alert protocol version|Cipher is \(NONE\)" <<<"$out"
  check "server logs: unsupported protocol" grep -q "unsupported protocol" "$T/server.log"
fi
check "the server is still alive" kill -0 "$SERVER_PID"
e2e_done
