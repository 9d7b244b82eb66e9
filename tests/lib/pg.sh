# shellcheck shell=bash
# Throwaway PostgreSQL clusters for tests and the demo. Source it, then:
#
#   dir=$(mktemp -d)
#   pg_start "$dir" || exit 1      # exports PGHOST PGPORT PGDATABASE PGUSER
#   trap 'pg_stop "$dir"' EXIT     #         SC_PG_CONNINFO SC_PG_CONNINFO_TCP
#   ./build/tests/test_db
#
# The cluster lives entirely in DIR: data in DIR/data, the Unix socket in DIR,
# the server log in DIR/postgres.log. It listens on that socket and on
# 127.0.0.1 at a free port outside the kernel's ephemeral range (ports.sh),
# with fsync on. Database `safecampus`, owned by the login role `safecampus`
# (not a superuser); local connections are trusted.
# Run as root, the server runs as the `postgres` user (PostgreSQL refuses
# root); run as anyone else, it runs as that user. No system service is used.
#
# Other helpers: pg_psql DIR [psql args]  (superuser psql on safecampus),
#                pg_kill DIR               (SIGKILL the postmaster: crash tests).
# Knobs: SC_PG_BINDIR (where initdb lives), SC_PG_PORT (fixed port).
# Functions return non-zero with a message on stderr; nothing here exits or
# changes the caller's shell options.

# shellcheck source=tests/lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

_pg_log() { printf 'pg.sh: %s\n' "$*" >&2; }

_pg_bindir() {
	local d
	if [[ -n "${SC_PG_BINDIR:-}" ]]; then
		printf '%s\n' "$SC_PG_BINDIR"
		return 0
	fi
	# Debian keeps the server tools out of PATH; take the newest installed
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		if [[ -x "$d/initdb" ]]; then
			printf '%s\n' "$d"
			return 0
		fi
	done
	d=$(command -v initdb 2>/dev/null) && { dirname "$d"; return 0; }
	_pg_log "initdb not found (install postgresql or set SC_PG_BINDIR)"
	return 1
}

# Runs a command as the cluster's owner, from a directory it can enter.
_pg_as_owner() {
	local dir=$1
	shift
	if [[ $(id -u) -eq 0 ]]; then
		(cd "$dir" && runuser -u postgres -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

_pg_owner() {
	if [[ $(id -u) -eq 0 ]]; then printf 'postgres\n'; else id -un; fi
}

# Quotes a value for a libpq conninfo string.
_pg_cq() {
	local v=${1//\\/\\\\}
	printf "'%s'" "${v//\'/\\\'}"
}

# Makes DIR and every parent enterable by the postgres user (mktemp -d makes
# 0700 directories). Adds only the search bit for "others", never read/write.
_pg_traversable() {
	local d=$1
	while [[ -n "$d" && "$d" != "/" ]]; do
		if [[ $(stat -c %A "$d") != ?????????[xt] ]]; then
			chmod o+x "$d" || return 1
		fi
		d=$(dirname "$d")
	done
}

pg_start() {
	local dir=${1:?usage: pg_start DIR}
	local bin owner port i log
	bin=$(_pg_bindir) || return 1
	owner=$(_pg_owner)
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	if [[ -e "$dir/data" ]]; then
		_pg_log "$dir/data exists; pg_stop it first"
		return 1
	fi
	# the socket path must fit in sun_path (107 bytes): DIR/.s.PGSQL.NNNNN
	if (( ${#dir} > 80 )); then
		_pg_log "path too long for a Unix socket: $dir"
		return 1
	fi
	: >"$dir/.sc_pg_cluster" || return 1 # marks DIR as ours for pg_stop
	if [[ $(id -u) -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || { _pg_log "no postgres user"; return 1; }
		_pg_traversable "$dir" || return 1
		chown postgres: "$dir" "$dir/.sc_pg_cluster" || return 1
	fi
	log=$dir/postgres.log

	# --no-sync: only initdb's final flush, which matters for an OS crash of a
	# throwaway cluster; the server itself runs with fsync=on.
	if ! _pg_as_owner "$dir" "$bin/initdb" -D "$dir/data" -U "$owner" -A trust -E UTF8 \
		--locale=C --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
		_pg_log "initdb failed:"
		cat "$dir/initdb.log" >&2
		return 1
	fi
	cat >>"$dir/data/postgresql.conf" <<-EOF
		# added by tests/lib/pg.sh
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$dir'
		fsync = on
		synchronous_commit = on
		full_page_writes = on
		max_connections = 100
		shared_buffers = 32MB
		logging_collector = off
		log_min_messages = warning
		log_connections = off
		lc_messages = 'C'
	EOF
	# only local and loopback connections exist; trust is enough for tests
	cat >"$dir/data/pg_hba.conf" <<-EOF
		local all all trust
		host  all all 127.0.0.1/32 trust
	EOF

	port=${SC_PG_PORT:-}
	for ((i = 0; i < 8; i++)); do
		if [[ -z "${SC_PG_PORT:-}" ]]; then
			# outside the ephemeral range: a restarted cluster must get its port back
			port=$(sc_free_port) || { port=; break; }
		fi
		# a port taken between the check and the bind fails the start: retry
		if _pg_as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 \
			-o "-p $port" start >/dev/null 2>&1; then
			break
		fi
		port=
		[[ -n "${SC_PG_PORT:-}" ]] && break
	done
	if [[ -z "$port" ]]; then
		_pg_log "postgres did not start; log follows ($log)"
		tail -n 30 "$log" >&2
		return 1
	fi

	if ! _pg_as_owner "$dir" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" \
		-U "$owner" -d postgres >/dev/null <<-'EOF'
			CREATE ROLE safecampus LOGIN CREATEDB;
			CREATE DATABASE safecampus OWNER safecampus;
		EOF
	then
		_pg_log "creating role/database failed"
		return 1
	fi
	printf '%s\n' "$port" >"$dir/port"

	export PGHOST=$dir PGPORT=$port PGDATABASE=safecampus PGUSER=safecampus
	export SC_PG_DIR=$dir SC_PG_BINDIR=$bin SC_PG_SUPERUSER=$owner
	SC_PG_CONNINFO="host=$(_pg_cq "$dir") port=$port dbname=safecampus user=safecampus"
	SC_PG_CONNINFO_TCP="host=127.0.0.1 port=$port dbname=safecampus user=safecampus sslmode=disable"
	export SC_PG_CONNINFO SC_PG_CONNINFO_TCP
	_pg_log "started dir=$dir port=$port"
}

pg_stop() {
	local dir=${1:?usage: pg_stop DIR}
	local bin
	[[ -d "$dir" ]] || return 0
	dir=$(cd "$dir" && pwd -P) || return 1
	if [[ ! -e "$dir/.sc_pg_cluster" ]]; then
		_pg_log "refusing to remove $dir: not made by pg_start"
		return 1
	fi
	bin=$(_pg_bindir) || return 1
	if [[ -f "$dir/data/postmaster.pid" ]]; then
		_pg_as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop \
			>/dev/null 2>&1 ||
			_pg_as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
				>/dev/null 2>&1 || true
	fi
	rm -rf -- "$dir"
	if [[ "${SC_PG_DIR:-}" == "$dir" ]]; then
		unset PGHOST PGPORT PGDATABASE PGUSER SC_PG_DIR SC_PG_CONNINFO SC_PG_CONNINFO_TCP
	fi
	return 0
}

pg_psql() {
	local dir=${1:?usage: pg_psql DIR [args]}
	shift
	local bin
	bin=$(_pg_bindir) || return 1
	_pg_as_owner "$dir" "$bin/psql" -X -v ON_ERROR_STOP=1 -h "$dir" -p "$(cat "$dir/port")" \
		-U "$(_pg_owner)" -d safecampus "$@"
}

pg_kill() {
	local dir=${1:?usage: pg_kill DIR}
	local pid
	pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null) || return 1
	kill -KILL "$pid"
}
