#!/usr/bin/env bash
# A server name with several addresses, of which the first does not answer
# (an IPv6 address with nothing behind it, then the IPv4 one; or the other
# way round): the client tries each address of the name in turn before it
# backs off, so the sync succeeds at once. The name resolves through a hosts
# file of this test's own, bind-mounted over /etc/hosts in a private mount
# namespace (unshare -m), so the machine's resolver is never touched.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init server_addresses
command -v unshare >/dev/null || { echo "FAIL - unshare (util-linux) is needed"; exit 1; }
client_new a schoolA main
"$SAFECAMPUS" --store "$T/a.db" init --server "scsrv.test:$PORT" --server-name localhost >/dev/null

# unshare makes the new namespace's mounts private, which needs / to be a
# mount point: in a chroot it is not (EINVAL), and there the namespace keeps
# the propagation it inherits, safe only when no mount propagates (no
# "shared:" in the mount table of PID 1, read whole from /proc even in a
# chroot), so that the bind mount below never reaches the machine
UNSHARE_M="unshare -m"
if ! unshare -m true 2>/dev/null; then
  if [[ ! -r /proc/1/mountinfo ]] || grep -q ' shared:' /proc/1/mountinfo; then
    echo "FAIL - cannot make a private mount namespace here (a chroot on a machine whose mounts propagate)"
    exit 1
  fi
  UNSHARE_M="unshare -m --propagation unchanged"
fi

# sync with /etc/hosts replaced by $1 for this command only
# (a machine without /etc/hosts, as a minimal Debian chroot is: a copy of
# /etc with the file is bind-mounted over /etc instead)
sync_with_hosts() {
  $UNSHARE_M bash -c 'if [[ -e /etc/hosts ]]; then mount --bind "$1" /etc/hosts
    else rm -rf "$2" && cp -a /etc "$2" && cp "$1" "$2/hosts" && mount --bind "$2" /etc; fi &&
    shift 2 && exec "$@"' _ "$1" "$T/etc" \
    "$SAFECAMPUS" --store "$T/a.db" --log-level debug sync --timeout-ms 8000
}

# the server only on ::1 (glibc orders ::1 before 127.0.0.1 whatever the
# file says, RFC 6724; the two halves cover both orders where it does not)
sed -i "s|^listen = .*|listen = [::1]:$PORT|" "$T/server.conf"
server_start || exit 1
printf '127.0.0.1 scsrv.test\n::1 scsrv.test\n' >"$T/hosts-v4-first"
sc a hazard report --title "Cracked window" --area building --severity low >/dev/null
check "the sync reaches a server listening on ::1 only" \
  bash -c "$(declare -f sync_with_hosts); T='$T' SAFECAMPUS='$SAFECAMPUS' UNSHARE_M='$UNSHARE_M'; sync_with_hosts '$T/hosts-v4-first' 2>'$T/s1.err'"
check "without a backoff" bash -c "! grep -q 'retrying in' '$T/s1.err'"
check "the hazard is in PostgreSQL" eq "$(sql "select count(*) from hazard where title = 'Cracked window'")" 1

# the server only on 127.0.0.1; the name gives ::1 first
server_kill
sed -i "s|^listen = .*|listen = 127.0.0.1:$PORT|" "$T/server.conf"
server_start || exit 1
printf '::1 scsrv.test\n127.0.0.1 scsrv.test\n' >"$T/hosts-v6-first"
sc a hazard report --title "Broken lock" --area building --severity low >/dev/null
check "the sync reaches the server when the first address refuses" \
  bash -c "$(declare -f sync_with_hosts); T='$T' SAFECAMPUS='$SAFECAMPUS' UNSHARE_M='$UNSHARE_M'; sync_with_hosts '$T/hosts-v6-first' 2>'$T/s2.err'"
check "::1 refused, 127.0.0.1 tried next at once, without a backoff" \
  bash -c "grep -q 'addr=::1 .*try=1/2' '$T/s2.err' && grep -q 'addr=127.0.0.1 .*try=2/2' '$T/s2.err' && ! grep -q 'retrying in' '$T/s2.err'"
check "the second hazard is in PostgreSQL" eq "$(sql "select count(*) from hazard where title = 'Broken lock'")" 1

# no address answers: the usual message, after every address was tried
server_kill
check_fail "with the server down the sync fails" \
  bash -c "$(declare -f sync_with_hosts); T='$T' SAFECAMPUS='$SAFECAMPUS' UNSHARE_M='$UNSHARE_M'; sync_with_hosts '$T/hosts-v6-first' 2>'$T/s3.err'"
check "and says it cannot connect" grep -q "cannot connect to scsrv.test" "$T/s3.err"
e2e_done
