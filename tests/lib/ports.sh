# shellcheck shell=bash
# Free TCP ports for the listeners the tests and the demo start (PostgreSQL,
# safecampusd, proxies), always outside the kernel's ephemeral range. A port
# inside /proc/sys/net/ipv4/ip_local_port_range may be taken at any moment as
# the local end of an outgoing connection (a client's, libpq's), and then a
# server restarted on "its" port fails to bind. Source it, then:
#
#   port=$(sc_free_port) || exit 1   # a port no socket uses now
#   sc_port_outside_ephemeral PORT   # true if PORT is outside the range
#
# The range is read on every call. Ports come from 20000 up to the start of
# the ephemeral range (from 10000, then 1024, if that leaves fewer than 1000)
# and from its end up to 65535. A port is free when no TCP socket, listening
# or not, on any address, has it as its local port (/proc/net/tcp{,6}; where
# that cannot be read, when nothing accepts on 127.0.0.1). Nothing here exits
# or changes the caller's shell options.

# Prints "LO HI" of the ephemeral range (the kernel's default if unreadable).
sc_ephemeral_range() {
	local lo hi
	if read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null &&
		[[ $lo =~ ^[0-9]+$ && $hi =~ ^[0-9]+$ ]]; then
		printf '%s %s\n' "$lo" "$hi"
	else
		printf '32768 60999\n'
	fi
}

sc_port_outside_ephemeral() {
	local lo hi
	read -r lo hi < <(sc_ephemeral_range)
	(($1 < lo || $1 > hi))
}

# True if some TCP socket has PORT as its local port.
_sc_port_used() {
	local hex f readable=0
	hex=$(printf '%04X' "$1")
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] || continue
		readable=1
		# field 2 is ADDR:PORT in hex; any state counts (TIME_WAIT too)
		awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1; exit }
			END { exit !found }' "$f" && return 0
	done
	if ((!readable)); then
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
	fi
	return 1
}

sc_free_port() {
	local elo ehi lo hi nb na r p _
	read -r elo ehi < <(sc_ephemeral_range)
	# below the range: from 20000 if that leaves 1000 ports, else 10000, else 1024
	hi=$((elo - 1))
	for lo in 20000 10000 1024; do
		((hi - lo + 1 >= 1000)) && break
	done
	nb=$((hi >= lo ? hi - lo + 1 : 0))
	# above it, up to 65535
	na=$((ehi < 65535 ? 65535 - ehi : 0))
	if ((nb + na == 0)); then
		printf 'ports.sh: the ephemeral range %s-%s leaves no port for a listener\n' "$elo" "$ehi" >&2
		return 1
	fi
	for _ in $(seq 1 200); do
		r=$(((RANDOM << 15 | RANDOM) % (nb + na)))
		if ((r < nb)); then p=$((lo + r)); else p=$((ehi + 1 + r - nb)); fi
		if ! _sc_port_used "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	printf 'ports.sh: no free port outside the ephemeral range %s-%s in 200 tries\n' "$elo" "$ehi" >&2
	return 1
}
