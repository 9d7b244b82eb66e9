#!/bin/sh
# sample_config.sh SAFECAMPUSD OUT: the packaged sample configuration, which is
# what `safecampusd --sample-config` prints with the certificate paths of the
# package's layout (/etc/safecampus/pki, docs/OPERATIONS.md).
set -e
"$1" --sample-config | sed \
	-e 's|^cert = $|cert = /etc/safecampus/pki/server.crt|' \
	-e 's|^key = $|key = /etc/safecampus/pki/server.key|' \
	-e 's|^ca = $|ca = /etc/safecampus/pki/ca.crt|' \
	-e 's|^crl = $|crl = /etc/safecampus/pki/crl.pem|' \
	-e 's|^people_key = $|people_key = /etc/safecampus/pki/people-admin.pub|' >"$2.tmp"
mv "$2.tmp" "$2"
