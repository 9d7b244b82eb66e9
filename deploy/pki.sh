#!/usr/bin/env bash
# pki.sh: the district's certificate authority for safecampus (mutual TLS).
#
#   pki.sh [opts] DIR DISTRICT SERVER_HOST     make (or keep) the district CA and
#                                              the server certificate
#   pki.sh issue [opts] DIR SCHOOL CAMPUS      a client certificate for one campus;
#                                              SCHOOL "bureau" for the bureau
#   pki.sh revoke [opts] DIR SCHOOL CAMPUS     revokes DIR/<school>-<campus>.crt
#                                              and rewrites DIR/crl.pem
#   pki.sh crl [opts] DIR                      rewrites DIR/crl.pem (a fresh next
#                                              update; do it before it passes)
#   pki.sh web [opts] DIR HOST [NAME...]       an HTTPS certificate for a campus box
#                                              (`safecampus serve --listen ADDR:PORT
#                                              --tls-cert ... --tls-key ...`): the
#                                              staff's browsers trust ca.crt; SANs
#                                              HOST, each NAME (host names or IP
#                                              addresses), localhost, 127.0.0.1, ::1
#   pki.sh people DIR                          the district admin's Ed25519 key that
#                                              enrols principals and bureau officers
#                                              (safecampus person add --admin-key):
#                                              DIR/people-admin.key (0600, keep it
#                                              offline) and DIR/people-admin.pub (the
#                                              server's people_key); never overwritten
#
# Files (keys are 0600):
#   DIR/ca.key, DIR/ca.crt                  district CA (EC P-256), never overwritten
#   DIR/server.key, DIR/server.crt          SAN DNS:SERVER_HOST, DNS:localhost,
#                                           IP:127.0.0.1, IP:::1; EKU serverAuth
#   DIR/web-<HOST>.key/.crt                 EKU serverAuth (web), CN=HOST
#   DIR/<school>-<campus>.key/.crt          EKU clientAuth,
#                                           subject O=<district>/OU=<school>/CN=<campus>
#   DIR/crl.pem                             the CA's certificate revocation list;
#                                           give it to the server (crl = ...) and
#                                           SIGHUP it after every change
#   DIR/ca.db/                              openssl ca database (index of issued
#                                           and revoked certificates)
#
# Options (before the positional arguments):
#   --days N            validity in days (default: CA 3650, others 825)
#   --not-before T      notBefore, YYYYMMDDHHMMSSZ (UTC); may lie in the past
#   --not-after T       notAfter, YYYYMMDDHHMMSSZ; with a past date makes an
#                       expired certificate (for tests)
#   --expired           shorthand: valid from 2 days ago until yesterday
#   --name BASE         issue, web: write DIR/BASE.{key,crt} instead of
#                       <school>-<campus> or web-<HOST>
#   --force             re-issue a server/client certificate that exists
#                       (the CA is never replaced); the one it replaces is
#                       revoked (reason superseded) and crl.pem rewritten
#   --reason R          revoke: unspecified (default), keyCompromise,
#                       affiliationChanged, superseded, cessationOfOperation
#   --crl-days N        validity of crl.pem (default 365); the server refuses
#                       every handshake once it has passed
#
# A certificate from a different ("rogue") CA, for tests: make a second CA in
# another directory and issue from it:
#   pki.sh /tmp/rogue DISTRICT localhost && pki.sh issue /tmp/rogue s1 c1
#
# Ids (district, school, campus) must match [A-Za-z0-9._-]{1,63}; the server
# refuses certificates whose subject does not (see docs/internals/tls.md).
# Works with OpenSSL 3.0 (Debian 12): back-dated certificates use `openssl ca`
# -startdate/-enddate, since `x509 -req` cannot back-date and `req -not_before`
# arrived only in 3.4.
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

days=""
not_before=""
not_after=""
name=""
force=0
reason=unspecified
crl_days=365
mode=init
case ${1:-} in
issue | revoke | crl | people | web) mode=$1; shift ;;
esac
while [[ $# -gt 0 ]]; do
	case $1 in
	--days) [[ $# -ge 2 ]] || die "--days needs a value"; days=$2; shift 2 ;;
	--not-before) [[ $# -ge 2 ]] || die "--not-before needs a value"; not_before=$2; shift 2 ;;
	--not-after) [[ $# -ge 2 ]] || die "--not-after needs a value"; not_after=$2; shift 2 ;;
	--expired)
		not_before=$(date -u -d '2 days ago' +%Y%m%d%H%M%SZ)
		not_after=$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)
		shift ;;
	--name) [[ $# -ge 2 ]] || die "--name needs a value"; name=$2; shift 2 ;;
	--force) force=1; shift ;;
	--reason) [[ $# -ge 2 ]] || die "--reason needs a value"; reason=$2; shift 2 ;;
	--crl-days) [[ $# -ge 2 ]] || die "--crl-days needs a value"; crl_days=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) break ;;
	esac
done
if [[ $mode == crl || $mode == people ]]; then [[ $# -eq 1 ]] || usage
elif [[ $mode == web ]]; then [[ $# -ge 2 ]] || usage
else [[ $# -eq 3 ]] || usage; fi

command -v openssl >/dev/null || die "openssl not found"

valid_id() { [[ $1 =~ ^[A-Za-z0-9._-]{1,63}$ ]]; }
valid_time() { [[ $1 =~ ^[0-9]{14}Z$ ]]; }
[[ -z $days || $days =~ ^[0-9]+$ ]] || die "--days must be a positive integer"
[[ -z $not_before ]] || valid_time "$not_before" || die "--not-before must look like 20250101000000Z"
[[ -z $not_after ]] || valid_time "$not_after" || die "--not-after must look like 20250101000000Z"
[[ -z $name ]] || valid_id "$name" || die "--name must match [A-Za-z0-9._-]{1,63}"
[[ $crl_days =~ ^[1-9][0-9]*$ ]] || die "--crl-days must be a positive integer"
case $reason in
unspecified | keyCompromise | affiliationChanged | superseded | cessationOfOperation) ;;
*) die "--reason must be one of unspecified keyCompromise affiliationChanged superseded cessationOfOperation" ;;
esac

dir=$1
umask 077
if [[ $mode == init ]]; then mkdir -p "$dir"; fi
if [[ $mode == people ]]; then
	[[ -d $dir ]] || die "no directory $dir"
	if [[ -f $dir/people-admin.key ]]; then
		echo "$prog: keeping existing $dir/people-admin.key" >&2
	else
		(umask 077 && openssl genpkey -algorithm ed25519 -out "$dir/people-admin.key") ||
			die "cannot make $dir/people-admin.key"
	fi
	openssl pkey -in "$dir/people-admin.key" -pubout -out "$dir/people-admin.pub" ||
		die "cannot write $dir/people-admin.pub"
	echo "$prog: district admin key $dir/people-admin.key, public key $dir/people-admin.pub" >&2
	exit 0
fi
[[ -d $dir ]] || die "no directory $dir"
dir=$(cd "$dir" && pwd)
[[ $dir =~ ^[A-Za-z0-9._/+-]+$ ]] || die "DIR may hold only [A-Za-z0-9._/+-] (it goes into openssl.cnf)"

# Our own config: the distribution's openssl.cnf adds extensions we do not want.
write_config() {
	local cnf=$dir/ca.db/openssl.cnf
	mkdir -p "$dir/ca.db/certs"
	[[ -f $dir/ca.db/index.txt ]] || : >"$dir/ca.db/index.txt"
	[[ -f $dir/ca.db/serial ]] || openssl rand -hex 16 >"$dir/ca.db/serial"
	[[ -f $dir/ca.db/crlnumber ]] || echo 1000 >"$dir/ca.db/crlnumber"
	cat >"$cnf" <<EOF
[ ca ]
default_ca = sc_ca

[ sc_ca ]
dir = $dir
database = \$dir/ca.db/index.txt
new_certs_dir = \$dir/ca.db/certs
serial = \$dir/ca.db/serial
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 825
crlnumber = \$dir/ca.db/crlnumber
default_crl_days = $crl_days
policy = sc_policy
unique_subject = no
copy_extensions = none
email_in_dn = no

[ sc_policy ]
organizationName = supplied
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]

[ ext_ca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @server_alt

[ ext_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ server_alt ]
EOF
	echo "$cnf"
}

new_key() { # FILE
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ||
		die "cannot make key $1"
	chmod 600 "$1"
}

district_of_ca() {
	openssl x509 -in "$dir/ca.crt" -noout -subject -nameopt sep_multiline,utf8 |
		sed -n 's/^ *O=//p' | head -n1
}

# sign CNF EXT SUBJ KEY CRT
sign() {
	local cnf=$1 ext=$2 subj=$3 key=$4 crt=$5 csr tmp
	local -a validity=()
	csr=$(mktemp "$dir/ca.db/req.XXXXXX")
	tmp=$(mktemp "$dir/ca.db/crt.XXXXXX")
	openssl req -new -config "$cnf" -key "$key" -subj "$subj" -out "$csr" ||
		{ rm -f "$csr" "$tmp"; die "cannot make request for $subj"; }
	[[ -z $days ]] || validity+=(-days "$days")
	[[ -z $not_before ]] || validity+=(-startdate "$not_before")
	[[ -z $not_after ]] || validity+=(-enddate "$not_after")
	if ! openssl ca -batch -notext -config "$cnf" -extensions "$ext" -preserveDN \
		-rand_serial "${validity[@]}" -in "$csr" -out "$tmp" 2>"$csr.log"; then
		cat "$csr.log" >&2
		rm -f "$csr" "$csr.log" "$tmp"
		die "cannot sign $subj"
	fi
	rm -f "$csr" "$csr.log"
	chmod 644 "$tmp"
	mv -f "$tmp" "$crt"
}

# Rewrites DIR/crl.pem from the index: every revoked certificate, next
# update in crl_days. Atomic (rename), so a server reading it never sees half.
gen_crl() {
	local cnf=$1
	openssl ca -batch -config "$cnf" -gencrl -crldays "$crl_days" -out "$dir/crl.pem.tmp" 2>"$dir/ca.db/crl.log" ||
		{ cat "$dir/ca.db/crl.log" >&2; rm -f "$dir/crl.pem.tmp"; die "cannot make the CRL"; }
	rm -f "$dir/ca.db/crl.log"
	chmod 644 "$dir/crl.pem.tmp"
	mv -f "$dir/crl.pem.tmp" "$dir/crl.pem"
	echo "$prog: wrote $dir/crl.pem (revoked: $(awk -F'\t' '$1 == "R"' "$dir/ca.db/index.txt" | wc -l), valid $crl_days days)" >&2
}

# revoke_cert CNF CRT REASON: revokes CRT in the index (once; a second time is
# a no-op). Returns 1 if CRT was not issued by this CA.
revoke_cert() {
	local cnf=$1 crt=$2 why=$3 serial ca_subj issuer
	ca_subj=$(openssl x509 -in "$dir/ca.crt" -noout -subject -nameopt RFC2253)
	issuer=$(openssl x509 -in "$crt" -noout -issuer -nameopt RFC2253) || die "cannot read $crt"
	[[ ${issuer#issuer=} == "${ca_subj#subject=}" ]] || return 1
	serial=$(openssl x509 -in "$crt" -noout -serial) || die "cannot read $crt"
	serial=${serial#serial=}
	if awk -F'\t' -v s="$serial" '$1 == "R" && toupper($4) == toupper(s) {found = 1} END {exit !found}' \
		"$dir/ca.db/index.txt"; then
		echo "$prog: $crt (serial $serial) was already revoked" >&2
		return 0
	fi
	openssl ca -batch -config "$cnf" -revoke "$crt" -crl_reason "$why" 2>"$dir/ca.db/revoke.log" ||
		{ cat "$dir/ca.db/revoke.log" >&2; die "cannot revoke $crt"; }
	rm -f "$dir/ca.db/revoke.log"
	echo "$prog: revoked $crt (serial $serial, reason $why)" >&2
}

if [[ $mode == crl ]]; then
	[[ -f $dir/ca.key && -f $dir/ca.crt ]] || die "no CA in $dir (run: $prog $dir DISTRICT SERVER_HOST)"
	gen_crl "$(write_config)"
	exit 0
fi

if [[ $mode == init ]]; then
	district=$2
	host=$3
	valid_id "$district" || die "DISTRICT must match [A-Za-z0-9._-]{1,63}"
	[[ $host =~ ^[A-Za-z0-9.:-]{1,253}$ ]] || die "SERVER_HOST must be a host name or IP address"
	cnf=$(write_config)

	if [[ -f $dir/ca.key && -f $dir/ca.crt ]]; then
		have=$(district_of_ca)
		[[ $have == "$district" ]] || die "$dir/ca.crt belongs to district '$have', not '$district'"
		echo "$prog: keeping existing CA $dir/ca.crt" >&2
	elif [[ -e $dir/ca.key || -e $dir/ca.crt ]]; then
		die "$dir holds only one of ca.key/ca.crt; refusing to touch it"
	else
		new_key "$dir/ca.key"
		openssl req -x509 -new -config "$cnf" -extensions ext_ca -key "$dir/ca.key" \
			-subj "/O=$district/CN=$district safecampus CA" -sha256 \
			-days "${days:-3650}" -out "$dir/ca.crt.tmp" || die "cannot make CA"
		chmod 644 "$dir/ca.crt.tmp"
		mv -f "$dir/ca.crt.tmp" "$dir/ca.crt"
		echo "$prog: made CA $dir/ca.crt" >&2
	fi

	[[ -f $dir/crl.pem ]] || gen_crl "$cnf"
	if [[ -f $dir/server.crt && $force -eq 0 ]]; then
		echo "$prog: keeping existing $dir/server.crt (--force to re-issue)" >&2
		exit 0
	fi
	# SANs: the host plus loopback, each once.
	declare -A seen=()
	n_dns=0 n_ip=0
	for h in "$host" localhost 127.0.0.1 ::1; do
		[[ -z ${seen[$h]:-} ]] || continue
		seen[$h]=1
		if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then
			n_ip=$((n_ip + 1)); echo "IP.$n_ip = $h" >>"$cnf"
		else
			n_dns=$((n_dns + 1)); echo "DNS.$n_dns = $h" >>"$cnf"
		fi
	done
	[[ -f $dir/server.key && $force -eq 0 ]] || new_key "$dir/server.key"
	[[ -n $days ]] || days=825
	replaced=0
	if [[ -f $dir/server.crt ]] && revoke_cert "$cnf" "$dir/server.crt" superseded; then replaced=1; fi
	sign "$cnf" ext_server "/O=$district/CN=$host" "$dir/server.key" "$dir/server.crt"
	echo "$prog: made $dir/server.crt for $host" >&2
	((replaced == 0)) || gen_crl "$cnf"
	exit 0
fi

valid_host() { [[ $1 =~ ^[A-Za-z0-9.:-]{1,253}$ && $1 != *..* ]]; }

# web: a serverAuth certificate for a campus box's browser interface, signed
# by the district CA the staff's browsers (and phones) are told to trust.
if [[ $mode == web ]]; then
	[[ -f $dir/ca.key && -f $dir/ca.crt ]] || die "no CA in $dir (run: $prog $dir DISTRICT SERVER_HOST)"
	shift
	host=$1
	for h in "$@"; do valid_host "$h" || die "'$h' is not a host name or IP address"; done
	cnf=$(write_config)
	district=$(district_of_ca)
	valid_id "$district" || die "cannot read the district from $dir/ca.crt"
	base=${name:-web-$host}
	valid_id "$base" || die "--name or HOST gives the file name '$base': use --name [A-Za-z0-9._-]{1,63}"
	if [[ -f $dir/$base.crt && $force -eq 0 ]]; then
		echo "$prog: keeping existing $dir/$base.crt (--force to re-issue)" >&2
		exit 0
	fi
	declare -A seen=()
	n_dns=0 n_ip=0
	for h in "$@" localhost 127.0.0.1 ::1; do
		[[ -z ${seen[$h]:-} ]] || continue
		seen[$h]=1
		if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then
			n_ip=$((n_ip + 1)); echo "IP.$n_ip = $h" >>"$cnf"
		else
			n_dns=$((n_dns + 1)); echo "DNS.$n_dns = $h" >>"$cnf"
		fi
	done
	replaced=0
	if [[ -f $dir/$base.crt ]] && revoke_cert "$cnf" "$dir/$base.crt" superseded; then replaced=1; fi
	new_key "$dir/$base.key"
	[[ -n $days || -n $not_after ]] || days=825
	sign "$cnf" ext_server "/O=$district/CN=$host" "$dir/$base.key" "$dir/$base.crt"
	echo "$prog: made $dir/$base.crt for $* (serve --tls-cert $dir/$base.crt --tls-key $dir/$base.key)" >&2
	((replaced == 0)) || gen_crl "$cnf"
	exit 0
fi

# issue, revoke
school=$2
campus=$3
valid_id "$school" || die "SCHOOL must match [A-Za-z0-9._-]{1,63}"
valid_id "$campus" || die "CAMPUS must match [A-Za-z0-9._-]{1,63}"
[[ -f $dir/ca.key && -f $dir/ca.crt ]] || die "no CA in $dir (run: $prog $dir DISTRICT SERVER_HOST)"
cnf=$(write_config)
district=$(district_of_ca)
valid_id "$district" || die "cannot read the district from $dir/ca.crt"
base=${name:-$school-$campus}
if [[ $mode == revoke ]]; then
	[[ -f $dir/$base.crt ]] || die "no certificate $dir/$base.crt"
	revoke_cert "$cnf" "$dir/$base.crt" "$reason" || die "$dir/$base.crt was not issued by $dir/ca.crt"
	gen_crl "$cnf"
	exit 0
fi
if [[ -f $dir/$base.crt && $force -eq 0 ]]; then
	echo "$prog: keeping existing $dir/$base.crt (--force to re-issue)" >&2
	exit 0
fi
# the copy being replaced must stop working: revoke it first (a copy of
# another CA's is left alone; it never worked here)
replaced=0
if [[ -f $dir/$base.crt ]]; then
	if revoke_cert "$cnf" "$dir/$base.crt" superseded; then
		replaced=1
	else
		echo "$prog: $dir/$base.crt was not issued by this CA; not revoked" >&2
	fi
fi
new_key "$dir/$base.key"
[[ -n $days || -n $not_after ]] || days=825
sign "$cnf" ext_client "/O=$district/OU=$school/CN=$campus" "$dir/$base.key" "$dir/$base.crt"
echo "$prog: made $dir/$base.crt (O=$district OU=$school CN=$campus)" >&2
((replaced == 0)) || gen_crl "$cnf"
