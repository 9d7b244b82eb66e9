#!/usr/bin/env bash
# safecampus serve on the school LAN: `deploy/pki.sh web` issues the campus
# box's HTTPS certificate from the district CA; serve refuses a non-loopback
# address without it (exit 2, and why); with it, a browser that trusts ca.crt
# signs in and reads pages over HTTPS, every page needs a signed-in person,
# plain HTTP and a browser trusting another CA get nothing.
#
# The LAN address is 10.77.0.1 on the loopback device of a network namespace
# of this test's own (unshare -n, or -rn when not root), so nothing is ever reachable from the
# machine's real network.
if [[ -z ${SC_WEB_LAN_NS:-} ]]; then
  command -v unshare >/dev/null || { echo "FAIL - unshare (util-linux) is needed"; exit 1; }
  # root needs no user namespace (and a chrooted process may not make one)
  if [[ $(id -u) -eq 0 ]]; then ns=(-n); else ns=(-rn); fi
  SC_WEB_LAN_NS=1 exec unshare "${ns[@]}" bash "$0" "$@"
fi
ip link set lo up && ip addr add 10.77.0.1/32 dev lo || { echo "FAIL - cannot add 10.77.0.1 in the namespace"; exit 1; }
LAN=10.77.0.1

source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_lan
client_new amain schoolA main
printf 'principal-pw-1\n' >"$T/pw1"
sc amain person add --login wang --name 王校长 --role principal --admin-key "$T/pki/people-admin.key" \
  --new-password-file "$T/pw1" >/dev/null

check "pki.sh web issues the campus certificate" "$PKI" web "$T/pki" campus-a.school.lan $LAN
CRT=$T/pki/web-campus-a.school.lan.crt KEY=$T/pki/web-campus-a.school.lan.key
openssl x509 -in "$CRT" -noout -text >"$T/crt.txt"
check "... for serverAuth" grep -q 'TLS Web Server Authentication' "$T/crt.txt"
check "... with the host and the address as subjectAltName" \
  grep -Eq 'DNS:campus-a.school.lan.*IP Address:10.77.0.1|IP Address:10.77.0.1.*DNS:campus-a.school.lan' "$T/crt.txt"
check "... issued by the district CA" openssl verify -CAfile "$T/pki/ca.crt" -purpose sslserver "$CRT"
check "... the key is private (0600)" eq "$(stat -c %a "$KEY")" 600
"$PKI" "$T/rogue" d1 localhost >/dev/null 2>&1
check_fail "pki.sh web refuses a bad host name" "$PKI" web "$T/pki" 'bad host'
check "pki.sh web keeps an existing certificate" bash -c "\"$PKI\" web \"$T/pki\" campus-a.school.lan 2>&1 | grep -q keeping"

WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen $LAN:$WP >"$T/plain.out" 2>"$T/plain.err"
check "a LAN address without HTTPS is refused with exit 2" eq "$?" 2
check "... saying it needs HTTPS and how" grep -q 'tls-cert' "$T/plain.err"
check "... and nothing listens" bash -c "! curl -s -o /dev/null http://$LAN:$WP/"
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen $LAN:$WP --tls-cert "$T/nope.crt" --tls-key "$KEY" 2>"$T/nocert.err"
check "a missing certificate file is refused with exit 2" eq "$?" 2
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen $LAN:$WP --tls-cert "$CRT" 2>/dev/null
check "--tls-cert without --tls-key is refused with exit 2" eq "$?" 2

"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen $LAN:$WP --tls-cert "$CRT" --tls-key "$KEY" >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
B=https://campus-a.school.lan:$WP
C=(--resolve campus-a.school.lan:$WP:$LAN --cacert "$T/pki/ca.crt")
for _ in $(seq 50); do curl -s -o /dev/null "${C[@]}" $B/login && break; sleep 0.1; done
check "serve says where it serves" grep -q "https://$LAN:$WP/" "$T/serve.log"
code() { curl -s -o "$T/out" -w '%{http_code}' "${C[@]}" "$@"; }
check "HTTPS with the district CA: the sign-in page" eq "$(code $B/login)" 200
check "... by the address too (IP subjectAltName)" eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" https://$LAN:$WP/login)" 200
check "off loopback, a page needs a signed-in person" eq "$(code $B/k/hazard)" 303
check "... sent to the sign-in page" bash -c "curl -s -D - -o /dev/null ${C[*]@Q} $B/k/hazard | grep -qi '^location: /login'"
check "a wrong password is refused" eq "$(code -d 'login=wang&password=nope' $B/login)" 401
check "signing in" eq "$(code -c "$T/cj" -d 'login=wang&password=principal-pw-1' $B/login)" 303
check "... the session cookie is HttpOnly" grep -q '^#HttpOnly_campus-a.school.lan.*sc_session' "$T/cj"
check "... and Secure" bash -c "grep sc_session \"$T/cj\" | awk '{print \$4}' | grep -qx TRUE"
check "a page, signed in" eq "$(code -b "$T/cj" $B/k/hazard)" 200
check "... is the hazard list, in Chinese" grep -q 'href="/k/hazard/new"' "$T/out"
check "... in Chinese" grep -q 'lang="zh-CN"' "$T/out"
check "... the home page shows the sync state" bash -c "curl -s ${C[*]@Q} -b \"$T/cj\" $B/ | grep -q 'id=\"sync-state\"'"
check_fail "plain HTTP to the HTTPS port gets no page" \
  bash -c "curl -s --max-time 5 http://$LAN:$WP/login | grep -q '<html'"
check_fail "a browser trusting another CA refuses the certificate" \
  curl -s --max-time 5 -o /dev/null --cacert "$T/rogue/ca.crt" --resolve campus-a.school.lan:$WP:$LAN $B/login
check_fail "... as does one trusting the system's CAs only" \
  curl -s --max-time 5 -o /dev/null --resolve campus-a.school.lan:$WP:$LAN $B/login
check_fail "a name not in the certificate is refused" \
  curl -s --max-time 5 -o /dev/null --cacert "$T/pki/ca.crt" --resolve other.lan:$WP:$LAN https://other.lan:$WP/login
check "the server still answers after all that" eq "$(code -b "$T/cj" $B/)" 200
kill $SPID; wait $SPID 2>/dev/null
e2e_done
