#!/usr/bin/env bash
# Seeds of fuzz_identity: certificates in DER with the subjects safecampusd
# meets, good and bad (deploy/pki.sh's convention: O=<district>,
# OU=<school or "bureau">, CN=<campus>). Self-signed: the identity parser does
# not verify. Not deterministic (new key and signatures each time); the bytes
# are committed under corpus/identity/.
#   tests/fuzz/gen_certs.sh tests/fuzz/corpus/identity
set -euo pipefail
out=${1:?usage: gen_certs.sh OUT_DIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/k.pem" 2>/dev/null

cert() { # name subject [extra req options...]
	local name=$1 subj=$2
	shift 2
	openssl req -x509 -new -key "$tmp/k.pem" -subj "$subj" -days 3650 -sha256 \
		-outform DER -out "$out/$name" "$@" 2>/dev/null
}

cert school '/O=d1/OU=s03/CN=north'
cert bureau '/O=d1/OU=bureau/CN=hq'
cert ca '/O=d1/CN=d1 safecampus CA'
cert no-ou '/O=d1/CN=north'
cert two-cn '/O=d1/OU=s03/CN=north/CN=south'
cert space-in-id '/O=d1/OU=s 03/CN=north'
cert long-cn "/O=d1/OU=s03/CN=$(printf 'c%.0s' {1..64})"
cert max-cn "/O=d1/OU=s03/CN=$(printf 'c%.0s' {1..63})"
cert utf8-cn '/O=d1/OU=s03/CN=北校区' -utf8
cert multi-rdn '/O=d1/OU=s03+CN=north'
cert extra-fields '/C=CN/ST=Sichuan/L=Chengdu/O=d1/OU=s03/CN=north/emailAddress=it@s03.example'
cert bmp-string '/O=d1/OU=s03/CN=north' -utf8 -config <(printf '[req]\ndistinguished_name=dn\nstring_mask=MASK:0x800\n[dn]\n')
ls -l "$out"
