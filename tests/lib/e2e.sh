# End-to-end test harness, sourced by tests/e2e/*.sh.
#
# Each test gets its own scratch folder, certificate authority, database (in
# the cluster tests/run.sh started; PGHOST/PGPORT/PGUSER come from it) and
# server on a free loopback port, and removes them at exit.
#
#   e2e_init NAME              scratch dir, PKI, database, server config
#   server_start [flags...]    start safecampusd, wait until it (each worker) listens
#   server_kill [SIGNAL]       stop it (default TERM) and wait
#   client_new NAME SCHOOL CAMPUS   certificate + `safecampus init` for a client
#   sc NAME ARGS...            run the client NAME's safecampus
#   check DESC CMD...          one assertion: CMD must succeed
#   check_fail DESC CMD...     CMD must fail
#   proxy_control FILE LOG LINES...  steer a faultproxy --control FILE
#   e2e_done                   prints "N passed, N failed", exit status
#
# E2E_DB_SCHEMA=NAME: the server keeps its tables in schema NAME (db_schema).
#
# Binaries come from SC_BIN_DIR (set by ctest); sources from SC_SOURCE_DIR.
set -uo pipefail

: "${SC_BIN_DIR:?SC_BIN_DIR must point at the build directory}"
: "${SC_SOURCE_DIR:?SC_SOURCE_DIR must point at the source tree}"
SAFECAMPUS=$SC_BIN_DIR/safecampus
SAFECAMPUSD=$SC_BIN_DIR/safecampusd
PKI=$SC_SOURCE_DIR/deploy/pki.sh
E2E_PASS=0
E2E_FAIL=0
SERVER_PID=
DISTRICT=d1

# shellcheck source=tests/lib/ports.sh
source "$SC_SOURCE_DIR/tests/lib/ports.sh"

# A port no socket uses, outside the kernel's ephemeral range (read at run
# time, tests/lib/ports.sh), so an outgoing connection cannot take it between
# this check and the server's bind, nor while a test restarts the server.
e2e_free_port() {
  sc_free_port
}

e2e_cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "${E2E_DB:-}" ]]; then
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$E2E_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ "${E2E_KEEP:-0}" != 1 && -n "${T:-}" ]]; then
    rm -rf "$T"
  fi
}

e2e_init() {
  local name=$1
  T=$(mktemp -d "/tmp/sc-e2e-$name.XXXXXX")
  trap e2e_cleanup EXIT
  E2E_DB="e2e_${name//[^a-z0-9]/_}_$$"
  psql -q -d postgres -c "CREATE DATABASE \"$E2E_DB\"" >/dev/null || {
    echo "cannot create database $E2E_DB (is PostgreSQL running? tests/run.sh starts it)"; exit 1; }
  "$PKI" "$T/pki" "$DISTRICT" localhost >/dev/null
  "$PKI" people "$T/pki" 2>/dev/null
  PORT=$(e2e_free_port)
  cat >"$T/server.conf" <<CONF
listen = 127.0.0.1:$PORT
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
crl = $T/pki/crl.pem
people_key = $T/pki/people-admin.pub
district = $DISTRICT
database = host=$PGHOST port=$PGPORT user=$PGUSER dbname=$E2E_DB
log_level = ${E2E_LOG_LEVEL:-info}
CONF
  # E2E_DB_SCHEMA=NAME runs the test as one district of a province (db_schema,
  # docs/internals/database.md): the server in that schema, sql() too
  if [[ -n ${E2E_DB_SCHEMA:-} ]]; then
    echo "db_schema = $E2E_DB_SCHEMA" >>"$T/server.conf"
    export PGOPTIONS="${PGOPTIONS:-} -csearch_path=$E2E_DB_SCHEMA"
  fi
}

# Waits until the server accepts TCP on PORT (or dies).
e2e_wait_listen() {
  for _ in $(seq 1 100); do
    if ss -Htln 2>/dev/null | awk '{print $4}' | grep -q ":$PORT\$"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "safecampusd exited during start-up:"; tail -20 "$T/server.log"
      return 1
    fi
    sleep 0.1
  done
  echo "safecampusd did not listen on $PORT"; tail -20 "$T/server.log"
  return 1
}

# With workers = N the port listens as soon as one worker does; a signal the
# parent passes on before a worker's loop has taken it over is lost (the
# worker ignores SIGHUP and SIGUSR1 until then, server/main.c). Each worker
# logs "listening" after it took them over: wait for N such lines.
e2e_wait_workers() {
  local before=$1 n
  n=$(awk -F' *= *' '$1 == "workers" { w = $2 } END { print w + 0 }' "$T/server.conf")
  ((n > 1)) || return 0
  for _ in $(seq 1 100); do
    (($(grep -c ' listening addr=' "$T/server.log") >= before + n)) && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "safecampusd exited during start-up:"; tail -20 "$T/server.log"
      return 1
    fi
    sleep 0.1
  done
  echo "not all $n workers of safecampusd listen"; tail -20 "$T/server.log"
  return 1
}

server_start() {
  local before
  before=$(grep -c ' listening addr=' "$T/server.log" 2>/dev/null)
  "$SAFECAMPUSD" --config "$T/server.conf" "$@" >>"$T/server.log" 2>&1 &
  SERVER_PID=$!
  e2e_wait_listen && e2e_wait_workers "${before:-0}"
}

server_kill() {
  local sig=${1:-TERM}
  if [[ -n "$SERVER_PID" ]]; then
    kill -"$sig" "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

client_new() {
  local name=$1 school=$2 campus=$3
  "$PKI" issue "$T/pki" "$school" "$campus" >/dev/null
  "$SAFECAMPUS" --store "$T/$name.db" init --server "127.0.0.1:$PORT" --server-name localhost \
    --cert "$T/pki/$school-$campus.crt" --key "$T/pki/$school-$campus.key" --ca "$T/pki/ca.crt" >/dev/null
}

# People who sign (client/person.h). person_new CLIENT LOGIN ROLE [BY]
# enrols LOGIN at CLIENT's campus with the password "secret-LOGIN", signed by the
# principal BY there (default: the district admin key).
person_new() {
  local name=$1 login=$2 role=$3 by=${4:-}
  if [[ -n $by ]]; then
    SAFECAMPUS_PASSWORD="secret-$by" SAFECAMPUS_NEW_PASSWORD="secret-$login" \
      "$SAFECAMPUS" --store "$T/$name.db" person add --login "$login" --name "Name $login" \
      --role "$role" --as "$by" >/dev/null
  else
    SAFECAMPUS_NEW_PASSWORD="secret-$login" "$SAFECAMPUS" --store "$T/$name.db" person add \
      --login "$login" --name "Name $login" --role "$role" \
      --admin-key "$T/pki/people-admin.key" >/dev/null
  fi
}

# The person a client's sign-offs are signed by when a test names nobody
# (as_default CLIENT LOGIN): sc passes --as LOGIN's identity through the
# environment, with LOGIN's password.
declare -A E2E_AS=()
as_default() {
  E2E_AS[$1]=$2
}

sc() {
  local name=$1
  shift
  if [[ -n ${E2E_AS[$name]:-} ]]; then
    SAFECAMPUS_AS=${SAFECAMPUS_AS:-${E2E_AS[$name]}} \
      SAFECAMPUS_PASSWORD=${SAFECAMPUS_PASSWORD:-secret-${SAFECAMPUS_AS:-${E2E_AS[$name]}}} \
      "$SAFECAMPUS" --store "$T/$name.db" "$@"
  else
    "$SAFECAMPUS" --store "$T/$name.db" "$@"
  fi
}

# sc_as CLIENT LOGIN ARGS...: one command signed by LOGIN (password secret-LOGIN).
sc_as() {
  local name=$1 login=$2
  shift 2
  SAFECAMPUS_AS=$login SAFECAMPUS_PASSWORD="secret-$login" "$SAFECAMPUS" --store "$T/$name.db" "$@"
}

check() {
  local desc=$1
  shift
  if "$@" >"$T/check.out" 2>&1; then
    E2E_PASS=$((E2E_PASS + 1))
    echo "ok   - $desc"
  else
    E2E_FAIL=$((E2E_FAIL + 1))
    echo "FAIL - $desc"
    echo "       command: $*"
    sed 's/^/       | /' "$T/check.out" | head -20
  fi
}

check_fail() {
  local desc=$1
  shift
  if "$@" >"$T/check.out" 2>&1; then
    E2E_FAIL=$((E2E_FAIL + 1))
    echo "FAIL - $desc (succeeded but should have failed)"
    sed 's/^/       | /' "$T/check.out" | head -20
  else
    E2E_PASS=$((E2E_PASS + 1))
    echo "ok   - $desc"
  fi
}

# Equality with a readable failure.
eq() {
  if [[ "$1" == "$2" ]]; then return 0; fi
  echo "expected [$2], got [$1]"
  return 1
}

# SQL against this test's database; prints unaligned tuples.
sql() {
  psql -qAtX -d "$E2E_DB" -c "$1"
}

# Replaces a faultproxy's control FILE with LINES and waits (up to 5 s) until
# the proxy, logging to LOG, has read it. The file is renamed into place: the
# proxy polls it, and a read between a plain redirect's truncate and its write
# saw an empty file, logged that as applied, and the fault came a poll later,
# after the push it was meant for (db_faults failed so in CI). A numbered
# comment makes every write a change, which is what the proxy logs.
PROXY_CONTROL_N=0
proxy_control() {
  local file=$1 log=$2 before
  shift 2
  before=$(grep -c 'faultproxy: control ' "$log")
  PROXY_CONTROL_N=$((PROXY_CONTROL_N + 1))
  printf '%s\n' "$@" "# write $PROXY_CONTROL_N" >"$file.new" && mv -f "$file.new" "$file"
  for _ in $(seq 1 50); do
    (($(grep -c 'faultproxy: control ' "$log") > before)) && return 0
    sleep 0.1
  done
  echo "faultproxy did not read its control file: $*"
  return 1
}

e2e_done() {
  echo "$E2E_PASS passed, $E2E_FAIL failed"
  if ((E2E_FAIL > 0)); then
    echo "server log: $T/server.log (last lines)"
    tail -30 "$T/server.log" 2>/dev/null
    exit 1
  fi
  exit 0
}
