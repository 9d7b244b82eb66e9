#!/usr/bin/env bash
# demo.sh: safecampus in two minutes, on a fresh Debian 12 machine, from a clone.
#
#   deploy/demo.sh [--keep] [--serve]
#
# Installs what is missing (deploy/deps.sh), builds into build/, then, in a
# scratch folder: a throwaway PostgreSQL cluster (tests/lib/pg.sh), a district
# CA (deploy/pki.sh), safecampusd on a free loopback port and four clients:
#
#   A-main   school A, campus main      A-east   school A, campus east
#   B-main   school B, campus main      bureau   the district education bureau
#
# and walks one hazard through its life (隐患排查整改): A-main reports it while
# the server is down, the principal on A-east assigns it, A-main rectifies it,
# A-east verifies it. Then it shows what each client sees from its own store,
# and the same rows in PostgreSQL. Every command it runs is printed.
#
# Act two, a living district: scgen (tests/data) generates this term so far for
# twelve schools (seed 2026) into fresh stores, one campus per school and the
# bureau; they sync, four at a time, and the bureau's store and PostgreSQL show
# the district: notices, drills, overdue hazards, counts per school. Then the
# dashboards: the bureau's on the terminal, and as HTML pages written to
# build/demo-dashboard.html (the bureau) and build/demo-dashboard-school01.html.
#
# Stops everything it started and removes the scratch folder; exits 0 when the
# story went as told, non-zero (with the server log) when anything failed.
#
# Options:
#   --keep      keep the scratch folder (stores, certificates, PostgreSQL data,
#               logs) and print how to use the clients there
#   --serve     after the story, keep school A's east campus serving its browser
#               interface (safecampus serve) and the district server running;
#               prints the address, a login and its password; Ctrl-C stops
#               everything and cleans up as usual
#   -h, --help  this help
#
# Runs as root or as a user with sudo (deps.sh may apt-get install); nothing
# needs to be running beforehand. Build log: build/demo-build.log.
set -Eeuo pipefail

prog=${0##*/}
keep=0
serve=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--keep) keep=1; shift ;;
	--serve) serve=1; shift ;;
	-h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "$prog: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build
START=$SECONDS

# ---- presentation: colours only on a terminal
if [[ -t 1 && -z ${NO_COLOR:-} && ${TERM:-dumb} != dumb ]]; then
	B=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GRN=$'\e[32m' YEL=$'\e[33m' CYN=$'\e[36m' RST=$'\e[0m'
else
	B='' DIM='' RED='' GRN='' YEL='' CYN='' RST=''
fi
section() { printf '\n%s== %s%s\n' "$B$CYN" "$*" "$RST"; }
say() { printf '%s\n' "$*" | fold -s -w 88; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RST"; }
ok() { printf '%s✓ %s%s\n' "$GRN" "$*" "$RST"; }

# Quotes one word the way a person would type it.
shq() {
	if [[ $1 =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then
		printf '%s' "$1"
	else
		local s=${1//\\/\\\\}
		s=${s//\"/\\\"}
		s=${s//\$/\\\$}
		s=${s//\`/\\\`}
		printf '"%s"' "$s"
	fi
}
show_cmd() {
	local out="\$" a
	for a in "$@"; do out+=" $(shq "$a")"; done
	printf '%s%s%s\n' "$YEL" "$out" "$RST"
}
# Prints a shell line as it is (for redirections and pipes).
show_line() { printf '%s$ %s%s\n' "$YEL" "$*" "$RST"; }
# Prints a command, runs it, indents its output; the command must succeed.
run() {
	show_cmd "$@"
	local rc=0
	"$@" >"$T/out" 2>&1 || rc=$?
	sed 's/^/    /' "$T/out"
	if ((rc != 0)); then
		fail "this command failed (exit $rc): $*"
	fi
}
# Same, but the command must fail: a refused step, shown with its message.
#   run_refused "WHAT IT MEANS" COMMAND...
run_refused() {
	local meaning=$1
	shift
	show_cmd "$@"
	local rc=0
	"$@" >"$T/out" 2>&1 || rc=$?
	sed "s/^/    $RED/; s/\$/$RST/" "$T/out"
	if ((rc == 0)); then
		fail "this command should have been refused but succeeded: $*"
	fi
	note "    (exit status $rc: $meaning)"
}
# Checks what the story claims; a wrong claim fails the demo.
expect() { # DESCRIPTION COMMAND...
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then
		ok "$desc"
	else
		fail "expected: $desc"
	fi
}

# ---- failure and clean-up
FAILED=''
SERVER_PID=''
WEB_PID=''
T=''
PG_STARTED=0
fail() {
	FAILED=$*
	exit 1
}
on_err() {
	local rc=$? line=$1 cmd=$2
	[[ -n $FAILED ]] || FAILED="line $line: \`$cmd\` exited with status $rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

server_stop() {
	[[ -n $SERVER_PID ]] || return 0
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			kill -KILL "$SERVER_PID" 2>/dev/null || true
		fi
	fi
	local rc=0
	wait "$SERVER_PID" 2>/dev/null || rc=$?
	SERVER_PID=''
	return "$rc"
}

# True when `safecampus serve` on 127.0.0.1:PORT answers its sign-in page
# (bash's /dev/tcp: curl is not among the packages the demo installs).
login_page_ok() {
	(
		local line=''
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
		IFS= read -r -t 5 line <&3 || true
		[[ $line == "HTTP/1.1 200"* ]]
	) 2>/dev/null
}

# Stops `safecampus serve` (--serve).
web_stop() {
	[[ -n $WEB_PID ]] || return 0
	kill -TERM "$WEB_PID" 2>/dev/null || true
	wait "$WEB_PID" 2>/dev/null || true
	WEB_PID=''
}

# Stops the cluster but keeps its data (for --keep).
pg_halt() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd "$T/pg" && runuser -u postgres -- "$SC_PG_BINDIR/pg_ctl" -D "$T/pg/data" -m fast -w stop) >/dev/null 2>&1
	else
		"$SC_PG_BINDIR/pg_ctl" -D "$T/pg/data" -m fast -w stop >/dev/null 2>&1
	fi
}

cleanup() {
	local rc=$?
	trap - ERR INT TERM
	set +e
	((rc == 0)) || [[ -n $FAILED ]] || FAILED="interrupted (exit status $rc)"
	if [[ -n $FAILED ]]; then
		printf '\n%sFAILED: %s%s\n' "$B$RED" "$FAILED" "$RST" >&2
		if [[ -n $T && -s $T/server.log ]]; then
			printf '%s-- last lines of the server log (%s):%s\n' "$B" "$T/server.log" "$RST" >&2
			tail -n 25 "$T/server.log" >&2
		fi
		if [[ -n $T && -s $T/pg/postgres.log ]]; then
			printf '%s-- last lines of the PostgreSQL log:%s\n' "$B" "$RST" >&2
			tail -n 10 "$T/pg/postgres.log" >&2
		fi
	fi
	web_stop
	server_stop >/dev/null 2>&1
	if ((PG_STARTED)); then
		if ((keep)); then
			pg_halt
		else
			pg_stop "$T/pg" >/dev/null 2>&1
		fi
	fi
	if [[ -n $T && -d $T ]]; then
		if ((keep)); then
			[[ -z $FAILED ]] || printf '\nScratch folder kept: %s\n' "$T" >&2
		else
			rm -rf -- "$T"
		fi
	fi
	if [[ -n $FAILED ]]; then
		((rc != 0)) || rc=1
		exit "$rc"
	fi
	exit 0
}
trap cleanup EXIT

# A port nobody uses, outside the kernel's ephemeral range (tests/lib/ports.sh,
# sourced with pg.sh): a port inside it may be taken at any moment as the local
# end of some outgoing connection.
pick_port() {
	sc_free_port
}

# Starts safecampusd (cwd: the scratch folder) and waits until it listens.
# If its port was taken since it was picked, moves everything to another one.
server_start() {
	local attempt from old
	: >>server.log
	for attempt in 1 2 3; do
		from=$(($(wc -l <server.log) + 1))
		safecampusd --config server.conf >>server.log 2>&1 &
		SERVER_PID=$!
		for _ in $(seq 1 150); do
			if tail -n "+$from" server.log | grep -q 'listening addr='; then
				tail -n "+$from" server.log | sed 's/^/    /'
				return 0
			fi
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$SERVER_PID" 2>/dev/null && fail "safecampusd did not start listening within 15 s"
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=''
		tail -n "+$from" server.log | grep -q 'Address already in use' ||
			fail "safecampusd exited during start-up"
		old=$port
		port=$(pick_port) || fail "no free TCP port found on 127.0.0.1"
		sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" server.conf
		for c in A-main A-east B-main bureau; do
			safecampus --store "$c.db" init --server "127.0.0.1:$port" >/dev/null
		done
		note "    (port $old was taken meanwhile: moved to $port in server.conf and in each client with"
		note "     safecampus --store NAME.db init --server 127.0.0.1:$port; trying again)"
	done
	fail "safecampusd could not find a free port in $attempt tries"
}

# ---- 1. dependencies and build
printf '%ssafecampus demo%s: one district server, two schools, the bureau, one hazard from\n' "$B" "$RST"
printf 'report to verification. Every command is printed before its output.\n'
section "Preparing: packages and build"
show_line "deploy/deps.sh"
if ! deploy/deps.sh; then
	fail "deploy/deps.sh could not install the packages (run as root or with sudo)"
fi
ok "the Debian packages safecampus needs are installed"
BUILD_LOG=$BUILD/demo-build.log
mkdir -p "$BUILD"
say "Building safecampusd, safecampus and the data generator scgen into build/, without the"
say "tests (they need deploy/deps.sh --test; log: build/demo-build.log) ..."
if ! {
	# the tests stay as configured (tests/run.sh's build/ keeps them;
	# without cmocka they are left out with a warning): only the three
	# programs are built here, and the Chinese catalogue (build/locale),
	# without which every page and message is in English
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
		cmake --build "$BUILD" -j "$(nproc)" --target safecampusd safecampus scgen sc_catalogues
} >"$BUILD_LOG" 2>&1; then
	tail -n 40 "$BUILD_LOG" >&2
	fail "the build failed (whole log: $BUILD_LOG)"
fi
[[ -f $BUILD/locale/zh_CN/LC_MESSAGES/safecampus.mo ]] ||
	fail "the Chinese catalogue was not built (build/locale; log: $BUILD_LOG)"
ok "built in $((SECONDS - START)) s: build/safecampusd, build/safecampus, build/scgen, build/locale"
STORY_START=$SECONDS

# ---- 2. scratch folder, PostgreSQL, certificates
T=$(mktemp -d /tmp/safecampus-demo.XXXXXX)
# shellcheck source=tests/lib/pg.sh
source "$ROOT/tests/lib/pg.sh"
section "A throwaway PostgreSQL cluster and the district's certificates"
note "scratch folder: $T"
pg_start "$T/pg" 2>"$T/pg-start.log" || { cat "$T/pg-start.log" >&2; fail "PostgreSQL did not start"; }
PG_STARTED=1
PATH=$BUILD:$SC_PG_BINDIR:$PATH
export PATH
ok "PostgreSQL $("$SC_PG_BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT, database safecampus"

cd "$T"
say "The district runs one certificate authority. Its server certificate names the"
say "server host; each campus gets a client certificate whose subject says who it is:"
say "O=<district>, OU=<school> (or \"bureau\"), CN=<campus>."
run "$ROOT/deploy/pki.sh" pki d1 localhost
run "$ROOT/deploy/pki.sh" issue pki schoolA main
run "$ROOT/deploy/pki.sh" issue pki schoolA east
run "$ROOT/deploy/pki.sh" issue pki schoolB main
run "$ROOT/deploy/pki.sh" issue pki bureau office
# the district admin's key enrols each school's principal (docs/internals/people.md)
run "$ROOT/deploy/pki.sh" people pki
run openssl x509 -in pki/schoolA-east.crt -noout -subject -enddate

# ---- 3. server config (the server starts later: A-main first works offline)
port=$(pick_port) || fail "no free TCP port found on 127.0.0.1"
cat >server.conf <<EOF
# safecampusd configuration (all keys: safecampusd --sample-config)
listen = 127.0.0.1:$port
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
district = d1
database = $SC_PG_CONNINFO
log_level = info
workers = 1
people_key = $T/pki/people-admin.pub
EOF

section "Four clients: two campuses of school A, school B, and the bureau"
say "Each install has its own SQLite store; \`init\` records the server and the"
say "certificate, and reads the identity from it."
declare -A CERT=([A-main]=schoolA-main [A-east]=schoolA-east [B-main]=schoolB-main [bureau]=bureau-office)
for c in A-main A-east B-main bureau; do
	run safecampus --store "$c.db" init --server "127.0.0.1:$port" --server-name localhost \
		--cert "pki/${CERT[$c]}.crt" --key "pki/${CERT[$c]}.key" --ca pki/ca.crt
done

section "People who sign: the principal is enrolled with the district admin key, then enrols staff"
say "Every sign-off (assign, rectify, verify, close) is signed by the person who takes it,"
say "with a key their password protects; the server checks the signature and the role."
for p in chen liu sunmei wang zhaogang; do printf 'demo-%s\n' "$p" >"$p.pw"; done
run safecampus --store A-east.db person add --login chen --name "陈校长" --role principal \
	--admin-key pki/people-admin.key --new-password-file chen.pw
run safecampus --store A-east.db person add --login liu --name "刘副校长" --role vice_principal \
	--as chen --password-file chen.pw --new-password-file liu.pw
run safecampus --store A-east.db person add --login sunmei --name "孙老师" --role head_teacher \
	--as chen --password-file chen.pw --new-password-file sunmei.pw
run safecampus --store A-main.db person add --login wang --name "王校长" --role principal \
	--admin-key pki/people-admin.key --new-password-file wang.pw
run safecampus --store A-main.db person add --login zhaogang --name "赵刚" --role logistics \
	--as wang --password-file wang.pw --new-password-file zhaogang.pw
run safecampus --store A-east.db person list

# ---- 4. the story
section "A-main finds a loose handrail. The server is down: it works offline."
run safecampus --store A-main.db hazard report --title "二号楼梯扶手松动" \
	--area building --severity high --location "教学楼二号楼梯" --reporter "王丽"
HZ=$(grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$T/out" | head -n 1) ||
	fail "hazard report printed no id"
H8=${HZ:0:8}
note "(the new hazard's id; every command also accepts its first 8 characters: $H8)"
run safecampus --store A-main.db status
expect "the report waits in A-main's outbox, after its two enrolments" grep -Eiq 'pending[^0-9]*3' "$T/out"
run_refused "no server yet; the report stays in the outbox for the next sync" \
	safecampus --store A-main.db sync --timeout-ms 2000

section "The district server starts"
run cat server.conf
show_line "safecampusd --config server.conf 2>>server.log &"
server_start
ok "safecampusd listens on 127.0.0.1:$port (it applied the schema migrations itself)"

section "A-main syncs: the offline report reaches the server"
run safecampus --store A-main.db sync
run safecampus --store A-main.db status
expect "A-main's outbox is empty" grep -Eiq 'pending[^0-9]*0' "$T/out"

section "A-east (same school, other campus) syncs and sees it"
run safecampus --store A-east.db sync
run safecampus --store A-east.db list hazards
expect "A-east lists the handrail" grep -q '扶手松动' "$T/out"

section "Only the principal or a vice principal may sign it into the responsibility list"
run_refused "refused: a head teacher may not assign; nothing was written" \
	safecampus --store A-east.db hazard assign "$H8" --owner "赵刚" --deadline 2030-01-15 \
	--as sunmei --password-file sunmei.pw
run safecampus --store A-east.db hazard assign "$H8" --owner "赵刚" --deadline 2030-01-15 \
	--as chen --password-file chen.pw --note "下周一升旗仪式前修好"
run safecampus --store A-east.db sync

section "A-main gets the assignment; 赵刚 (Zhao Gang) rectifies the handrail"
run safecampus --store A-main.db sync
run safecampus --store A-main.db hazard rectify "$H8" --note "扶手已用 4 颗新膨胀螺栓重新固定" \
	--as zhaogang --password-file zhaogang.pw
run safecampus --store A-main.db sync

section "A-east verifies the fix; a head teacher may not sign the verification"
run safecampus --store A-east.db sync
run_refused "refused: nothing was written" \
	safecampus --store A-east.db hazard verify "$H8" --note "ok" --as sunmei --password-file sunmei.pw
run safecampus --store A-east.db hazard verify "$H8" --note "领导小组复查：扶手牢固" \
	--as liu --password-file liu.pw
run safecampus --store A-east.db sync

section "School B reports a hazard of its own"
run safecampus --store B-main.db hazard report --title "食堂灭火器压力不足" \
	--area fire --severity medium --location "食堂后厨" --reporter "马俊"

section "Everyone syncs"
for c in A-main A-east B-main bureau; do
	run safecampus --store "$c.db" sync
done

# ---- 5. what each client sees, from its own store
section "What each client sees (read from its own SQLite store, no server needed)"
for c in A-main A-east; do
	printf '\n%s-- %s%s\n' "$B" "$c" "$RST"
	run safecampus --store "$c.db" list hazards
	expect "$c lists A's hazard" grep -q '扶手松动' "$T/out"
	expect "$c does not list B's hazard" bash -c "! grep -q '灭火器' '$T/out'"
	run safecampus --store "$c.db" show "$H8"
	expect "$c has the whole history, state verified" \
		bash -c "grep -qi verified '$T/out' && grep -qi assign '$T/out' && grep -qi rectif '$T/out' && grep -q '重新固定' '$T/out'"
done
printf '\n%s-- B-main%s\n' "$B" "$RST"
run safecampus --store B-main.db list hazards
expect "B-main lists its own hazard" grep -q '灭火器' "$T/out"
expect "B-main sees none of school A's rows" bash -c "! grep -q '扶手松动' '$T/out'"
run_refused "school B's store holds no row of school A" \
	safecampus --store B-main.db show "$H8"
printf '\n%s-- bureau%s\n' "$B" "$RST"
run safecampus --store bureau.db list hazards
expect "the bureau lists both schools' hazards" bash -c "grep -q '扶手松动' '$T/out' && grep -q '灭火器' '$T/out'"
run safecampus --store bureau.db show "$H8"
expect "the bureau has the whole history" bash -c "grep -qi verified '$T/out' && grep -q '重新固定' '$T/out'"

# ---- 6. the same data in PostgreSQL
section "In PostgreSQL the data is plain SQL, for analysts and dashboards"
run psql -X -c "select school, campus, title, state, owner, deadline from hazard order by school"
expect "PostgreSQL holds A's hazard as verified" bash -c "grep '扶手松动' '$T/out' | grep -q verified"

section "The server log: one line per event, key=value"
show_line "grep -E 'handshake ok|push conn' server.log | tail -n 4"
grep -E 'handshake ok|push conn' server.log | tail -n 4 | sed 's/^/    /'

# ---- 6b. act two: a living district
ACT2_START=$SECONDS
NSCHOOLS=12
section "Act two: a living district"
say "One hazard is a story; a district is a dozen schools recording their safety work every"
say "day. scgen (tests/data) generates this term of it for $NSCHOOLS schools, the same from the"
say "same seed, each modelled on the example school: 71 staff, 24 classes, 7 buses carrying"
say "296 riders, the \"1530\" sessions in every class, a drill most months, inspections and the"
say "hazards they find, gate duty, bus trips, equipment checks, the canteen's bottled-LPG"
say "risk, and answers to the bureau's notices. It writes into ordinary client stores, one"
say "campus per school and the bureau; the clients then sync them through the real path."
say "Its history is synthetic and unsigned, so the server takes it with require_signatures = 0"
say "(a real district keeps the default, 1: every sign-off signed by an enrolled person)."
server_stop || fail "safecampusd did not stop cleanly"
echo "require_signatures = 0" >>server.conf
server_start
SCHOOLS=$(seq -f 'school%02g' 1 "$NSCHOOLS")
mkdir -p district
show_line "for s in school01 ... school$NSCHOOLS; do deploy/pki.sh issue pki \$s main; safecampus --store district/\$s-main.db init ...; done"
for s in $SCHOOLS; do
	"$ROOT/deploy/pki.sh" issue pki "$s" main >/dev/null 2>&1 || fail "pki.sh issue pki $s main failed"
	safecampus --store "district/$s-main.db" init --server "127.0.0.1:$port" --server-name localhost \
		--cert "pki/$s-main.crt" --key "pki/$s-main.key" --ca pki/ca.crt >/dev/null ||
		fail "safecampus init for $s failed"
done
run safecampus --store district/bureau-office.db init --server "127.0.0.1:$port" --server-name localhost \
	--cert pki/bureau-office.crt --key pki/bureau-office.key --ca pki/ca.crt
ok "$NSCHOOLS school stores and a fresh bureau store in district/"

section "scgen fills the stores: this term, up to today"
run scgen --seed 2026 --schools "$NSCHOOLS" --district d1 --stores district --stats
note "    (per school: \"1530\" sessions held of due, months with a drill, drills with plan and"
note "     feedback, hazards found / open / overdue / reopened, bus trips and mismatches,"
note "     responsibility letters, staffed gate shifts, overdue equipment, late and missing reports)"

section "Everyone syncs: the bureau first (its notices), then the schools, four at a time"
run safecampus --store district/bureau-office.db sync
show_line "printf '%s\\n' school01 ... school$NSCHOOLS | xargs -P 4 -I{} safecampus --store district/{}-main.db sync"
sync_rc=0
printf '%s\n' $SCHOOLS | xargs -P 4 -I{} sh -c 'safecampus --store "district/$1-main.db" sync >"district/$1.sync" 2>&1' sh {} ||
	sync_rc=$?
for s in $SCHOOLS; do
	printf '    %s: %s\n' "$s" "$(tail -n 1 "district/$s.sync")"
done
((sync_rc == 0)) || fail "a school's sync failed (see $T/district/*.sync)"
expect "every school's records were accepted, none rejected" \
	bash -c "cd '$T/district' && for f in *.sync; do grep -q 'rejected 0,' \"\$f\" || exit 1; done"
run safecampus --store district/bureau-office.db sync
expect "the bureau's store now holds the district" grep -Eq 'pulled [0-9]{4,}' "$T/out"

section "What the bureau sees, from its own store"
run safecampus --store district/bureau-office.db list notice
run safecampus --store district/bureau-office.db list drill --since "$(date -d '30 days ago' +%F)"
run safecampus --store district/bureau-office.db list hazards --status overdue

section "And across the district in PostgreSQL, per school"
run psql -X -c "
select p.school, split_part(p.name, ' (', 1) as name,
  (select count(*) from staff s where s.school = p.school and not s.deleted) as staff,
  (select count(*) from school_class c where c.school = p.school and not c.deleted) as classes,
  (select count(*) from education e where e.school = p.school and not e.deleted) as \"1530\",
  (select count(*) from drill d where d.school = p.school and not d.deleted) as drills,
  (select count(*) from hazard h where h.school = p.school and not h.deleted
     and h.state not in ('verified', 'closed')) as open_hz,
  (select count(*) from hazard h where h.school = p.school and not h.deleted
     and h.state not in ('verified', 'closed') and h.deadline < current_date) as overdue_hz,
  (select count(*) from bus_trip t where t.school = p.school and t.mismatch and not t.deleted) as trip_mismatch
from school_profile p where p.school like 'school__' and not p.deleted order by p.school"
expect "$NSCHOOLS schools, each with 71 staff and 24 classes" bash -c \
	"[[ \$(psql -XAtc \"select count(*) from school_profile p where p.school like 'school__'
	  and (select count(*) from staff s where s.school = p.school) = 71
	  and (select count(*) from school_class c where c.school = p.school) = 24\") == $NSCHOOLS ]]"
ok "a living district in $((SECONDS - ACT2_START)) s: $NSCHOOLS schools, their term so far, synced"

# ---- 6c. the dashboards
section "The dashboards: the bureau's view of the district, and a school's own"
say "The server computes the safe-campus indicators from the synced records: drills, \"1530\""
say "sessions, overdue hazards, responsibility letters, notices, buses, gate duty, equipment"
say "and risks, each with its target; a weighted score and a rank per school, alerts and"
say "missing submissions. \`dashboard --refresh\` syncs and fetches it; without --refresh a"
say "client shows the copy it stored last, offline."
run safecampus --store district/bureau-office.db dashboard --refresh
expect "the bureau's dashboard ranks all $((NSCHOOLS + 2)) schools (act two's $NSCHOOLS, and A and B)" \
	grep -q "SCHOOLS ($((NSCHOOLS + 2)))" "$T/out"
expect "it shows a district average score" grep -q 'DISTRICT AVERAGE SCORE' "$T/out"
DASH_HTML=$BUILD/demo-dashboard.html
DASH_SCHOOL_HTML=$BUILD/demo-dashboard-school01.html
run safecampus --store district/bureau-office.db dashboard --html "$DASH_HTML"
expect "the bureau's page is written" test -s "$DASH_HTML"
run safecampus --store district/school01-main.db dashboard --refresh --html "$DASH_SCHOOL_HTML"
expect "school01's own page is written" test -s "$DASH_SCHOOL_HTML"
ok "open the dashboards in a browser (one self-contained page each, charts in SVG, nothing fetched):"
printf '      the bureau:  %s\n      school01:    %s\n' "$DASH_HTML" "$DASH_SCHOOL_HTML"

# ---- 6d. the browser interface, until Ctrl-C (--serve)
if ((serve)); then
	section "The browser interface: school A's east campus, served from its own store"
	say "\`safecampus serve\` serves the pages from the campus's SQLite store and keeps it synced"
	say "with the district server (still running), as \`sync --watch\` does. In Chinese unless the"
	say "browser asks for English (there is a switch in the page)."
	wport=$(pick_port) || fail "no free TCP port found on 127.0.0.1"
	show_cmd safecampus --store A-east.db serve --listen "127.0.0.1:$wport"
	safecampus --store A-east.db serve --listen "127.0.0.1:$wport" >serve.log 2>&1 &
	WEB_PID=$!
	for _ in $(seq 1 100); do
		login_page_ok "$wport" && break
		kill -0 "$WEB_PID" 2>/dev/null || { cat serve.log >&2; fail "safecampus serve exited"; }
		sleep 0.1
	done
	expect "the sign-in page answers" login_page_ok "$wport"
	printf '\n%s  Open   http://127.0.0.1:%s/%s\n' "$B$GRN" "$wport" "$RST"
	printf '  Sign in as  chen  (陈校长, principal), password  %s\n' "$(cat chen.pw)"
	printf '          or  sunmei (孙老师, head teacher), password  %s\n' "$(cat sunmei.pw)"
	printf '  From another machine: pass the port on with ssh -L %s:127.0.0.1:%s HOST\n' "$wport" "$wport"
	printf '%s  Ctrl-C stops the interface and the server, and cleans up.%s\n' "$DIM" "$RST"
	stop_serving=0
	trap 'stop_serving=1' INT TERM
	while ((stop_serving == 0)) && kill -0 "$WEB_PID" 2>/dev/null; do
		wait "$WEB_PID" 2>/dev/null || true
	done
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if ((stop_serving == 0)); then
		tail -n 20 serve.log >&2
		fail "safecampus serve exited by itself"
	fi
	printf '\n'
	show_line "kill -TERM $WEB_PID    # safecampus serve"
	web_stop
	ok "safecampus serve stopped"
fi

# ---- 7. stop
section "Stopping"
show_line "kill -TERM $SERVER_PID    # safecampusd: finishes what is in flight, exits 0"
rc=0
server_stop || rc=$?
((rc == 0)) || fail "safecampusd exited with status $rc on SIGTERM (expected 0)"
ok "safecampusd stopped cleanly"

printf '\n%sThe story took %d s (%d s in all).%s\n' "$B$GRN" "$((SECONDS - STORY_START))" "$((SECONDS - START))" "$RST"
if ((keep)); then
	if [[ $(id -u) -eq 0 ]]; then as_pg="runuser -u postgres -- "; else as_pg=""; fi
	cat <<EOF

Everything is in $T; PostgreSQL is stopped, its data kept.
The clients work offline; try:

  cd $T
  export PATH=$BUILD:\$PATH
  export SAFECAMPUS_STORE=\$PWD/A-east.db     # or A-main.db, B-main.db, bureau.db
  safecampus status
  safecampus list hazards
  safecampus show $H8
  safecampus hazard close $H8 --as chen --password-file chen.pw --note "复核完毕"   # on A-east
  safecampus outbox list

To sync again, start PostgreSQL and the server first (from $T):

  ${as_pg}$SC_PG_BINDIR/pg_ctl -D pg/data -l pg/postgres.log -o "-p $PGPORT" start
  safecampusd --config server.conf 2>>server.log &
  safecampus sync
  psql -h $T/pg -p $PGPORT -U safecampus safecampus    # the server's tables

When done: kill %1; ${as_pg}$SC_PG_BINDIR/pg_ctl -D pg/data stop; cd /; rm -rf $T
EOF
fi
