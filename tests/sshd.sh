#!/bin/sh
# sshd.sh - a real OpenSSH sshd on 127.0.0.1 for the SFTP tests and bench.
#
# usage: tests/sshd.sh start DIR [--authorize PUBKEY_FILE]... [--read-only] [--owner PID]
#        tests/sshd.sh stop|kill|restart|rekey DIR
#
# start    makes DIR (mode 0700) with host_ed25519_key, client_ed25519 (a
#          client key the server accepts; --authorize adds more),
#          authorized_keys, sshd_config, known_hosts ("[127.0.0.1]:PORT
#          ssh-ed25519 ..."), remote/inbound and remote/outbound (no chroot:
#          clients use absolute paths under DIR/remote), port, pid and
#          sshd.log; starts sshd on a free port of 127.0.0.1 and returns once
#          it serves its host key there.
#          --read-only   the sftp subsystem refuses every write (permission
#                        denied, even for root)
#          --owner PID   stop the server once process PID is gone
# stop     stop the listener and every session it forked; 0 if not running
# kill     the same with SIGKILL, all at once: a server dying mid-transfer
# restart  start again with the same port, keys and options
# rekey    new host key and restart, known_hosts NOT updated: for "host key
#          changed" tests
#
# Runs as root (CI: creates /run/sshd, root logs in with the key) and as a
# normal user (sshd then runs unprivileged; only that user can log in).
set -eu

die() {
	echo "sshd.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: tests/sshd.sh start DIR [--authorize PUBKEY_FILE]... [--read-only] [--owner PID]
       tests/sshd.sh stop|kill|restart|rekey DIR"
}

sshd=/usr/sbin/sshd
self=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")

# alive PID: true while PID runs; a zombie counts as gone (PID 1 here may
# be slow to reap, or never).
alive() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$s" in
	Z* | "") return 1 ;;
	esac
}

# procs DIR: this DIR's sshd processes. The listener is found by its
# command line, which names DIR/sshd_config. Every connection's sshd calls
# setsid(), so its process group holds the listener alone: sessions are
# found as its descendants, and as holders of a connection to the port
# (they outlive a listener that was killed on its own).
procs() {
	held=""
	if [ -r "$1/port" ] && command -v ss >/dev/null 2>&1; then
		held=$(ss -Htnp "( sport = :$(cat "$1/port") )" 2>/dev/null | tr '(' '\n' |
			sed -n 's/^"sshd",pid=\([0-9]*\),.*/\1/p')
	fi
	ps -e -ww -o pid= -o ppid= -o args= |
		CONF="-f $1/sshd_config " HELD="$held" awk -v me="$$" '
		BEGIN { n = split(ENVIRON["HELD"], h); for (i = 1; i <= n; i++) ours[h[i]] = 1 }
		{
			pid[++c] = $1; parent[$1] = $2
			$1 = ""; $2 = ""
			if (index($0, ENVIRON["CONF"])) ours[pid[c]] = 1
		}
		END {
			do {
				more = 0
				for (i = 1; i <= c; i++)
					if (!(pid[i] in ours) && (parent[pid[i]] in ours)) { ours[pid[i]] = 1; more = 1 }
			} while (more)
			for (p in ours) if ((p in parent) && p != me) print p
		}'
}

# halt DIR SIGNAL: freeze every process of DIR (SIGSTOP, listing again
# until nothing new appears, so no fork slips through), then send SIGNAL
# to all of them at once and wait until they are gone.
halt() {
	all=""
	while :; do
		new=""
		for p in $(procs "$1"); do
			case " $all " in
			*" $p "*) ;;
			*) new="$new $p" ;;
			esac
		done
		[ -n "$new" ] || break
		# shellcheck disable=SC2086 # one argument per pid
		kill -STOP $new 2>/dev/null || true
		all="$all$new"
	done
	rm -f "$1/pid"
	[ -n "$all" ] || return 0
	# shellcheck disable=SC2086
	kill -"$2" $all 2>/dev/null || true
	# shellcheck disable=SC2086
	kill -CONT $all 2>/dev/null || true
	for sig in KILL ""; do
		i=0
		while [ "$i" -lt 50 ]; do
			left=""
			for p in $all; do
				if alive "$p"; then left="$left $p"; fi
			done
			[ -n "$left" ] || return 0
			sleep 0.1
			i=$((i + 1))
		done
		[ -n "$sig" ] || die "processes$left of $1 do not end"
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
	done
}

# dir_of DIR: the absolute path, without symlinks when it exists; sshd_config
# cannot quote it, and % would be expanded.
dir_of() {
	case "$1" in
	*[[:space:]%\"\'\#\\]*) die "DIR must not contain blanks, quotes, #, % or \\: '$1'" ;;
	"") usage ;;
	esac
	if [ -d "$1" ]; then
		(cd "$1" && pwd -P)
	else
		case "$1" in
		/*) echo "$1" ;;
		*) echo "$(pwd -P)/$1" ;;
		esac
	fi
}

keygen() {
	rm -f "$1" "$1.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1" </dev/null >/dev/null ||
		die "ssh-keygen failed for $1"
}

write_config() {
	sftp=internal-sftp
	[ "$3" = 0 ] || sftp="$sftp -R"
	cat >"$1/sshd_config" <<-EOF
		# Written by tests/sshd.sh; only for tests on 127.0.0.1.
		ListenAddress 127.0.0.1
		Port $2
		HostKey $1/host_ed25519_key
		PidFile $1/pid
		AuthorizedKeysFile $1/authorized_keys
		AllowUsers $(id -un)
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		MaxStartups 100
		MaxSessions 100
		MaxAuthTries 10
		LogLevel VERBOSE
		Subsystem sftp $sftp
	EOF
}

# launch DIR: start sshd as configured; 2 if the port is taken.
launch() {
	port=$(cat "$1/port")
	if [ "$(id -u)" = 0 ]; then
		# Privilege separation needs it as root (tmpfs: gone after a boot).
		{ mkdir -p /run/sshd && chmod 0755 /run/sshd; } || die "cannot make /run/sshd"
	fi
	"$sshd" -t -f "$1/sshd_config" 2>&1 || die "sshd rejects $1/sshd_config"
	rm -f "$1/pid"
	touch "$1/sshd.log"
	seen=$(wc -l <"$1/sshd.log")
	# Its own session: a Ctrl-C to the test must not hit it; stop does.
	setsid -w "$sshd" -D -f "$1/sshd_config" -E "$1/sshd.log" </dev/null >/dev/null 2>&1 &
	child=$!
	# sshd writes its pid file once the socket listens (5 s at most).
	i=0
	while ! [ -s "$1/pid" ]; do
		if ! alive "$child" || [ "$i" -ge 50 ]; then
			if tail -n "+$((seen + 1))" "$1/sshd.log" | grep -q 'Address already in use'; then
				halt "$1" KILL
				return 2
			fi
			halt "$1" KILL
			tail -n 20 "$1/sshd.log" >&2
			die "sshd did not start on 127.0.0.1:$port (log above: $1/sshd.log)"
		fi
		sleep 0.1
		i=$((i + 1))
	done
	# The port must serve our host key: nothing else listens there.
	want="[127.0.0.1]:$port $(cut -d ' ' -f 1,2 "$1/host_ed25519_key.pub")"
	got=$(ssh-keyscan -T 5 -t ed25519 -p "$port" 127.0.0.1 2>/dev/null || true)
	if [ "$got" != "$want" ]; then
		halt "$1" KILL
		tail -n 20 "$1/sshd.log" >&2
		die "127.0.0.1:$port does not serve $1/host_ed25519_key.pub (got '$got')"
	fi
}

listening() {
	echo "sshd.sh: sshd on 127.0.0.1:$(cat "$1/port") (pid $(cat "$1/pid")), $1"
}

running() {
	[ -n "$(procs "$1")" ]
}

start() {
	dir=$(dir_of "$1")
	shift
	authorize="" ro=0 owner=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--authorize)
			[ $# -ge 2 ] || usage
			ssh-keygen -l -f "$2" >/dev/null 2>&1 || die "--authorize $2: not a public key file"
			authorize="$authorize$(cat "$2")
"
			shift
			;;
		--read-only) ro=1 ;;
		--owner)
			[ $# -ge 2 ] || usage
			case "$2" in
			"" | *[!0-9]*) die "--owner: not a pid: '$2'" ;;
			esac
			alive "$2" || die "--owner $2: no such process"
			owner=$2
			shift
			;;
		*) usage ;;
		esac
		shift
	done
	for tool in "$sshd" ssh-keygen ssh-keyscan sftp setsid ps; do
		command -v "$tool" >/dev/null 2>&1 ||
			die "$tool missing (Debian packages openssh-server, openssh-client, util-linux, procps)"
	done
	running "$dir" && die "sshd of $dir already runs (stop it first)"

	mkdir -p "$dir/remote/inbound" "$dir/remote/outbound" || die "cannot make $dir"
	chmod 0700 "$dir" "$dir/remote" || die "cannot chmod $dir"
	dir=$(cd "$dir" && pwd -P)
	keygen "$dir/host_ed25519_key" "csgw-test-host"
	keygen "$dir/client_ed25519" "csgw-test-client"
	{
		cat "$dir/client_ed25519.pub"
		printf '%s' "$authorize"
	} >"$dir/authorized_keys"

	# A random port out of Linux's ephemeral range (32768-60999), so no
	# outgoing connection holds it when 'restart' wants it back; on a clash
	# sshd cannot bind and the next one is tried.
	tries=0
	while :; do
		n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		port=$((20000 + n % 12768))
		echo "$port" >"$dir/port"
		write_config "$dir" "$port" "$ro"
		printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1,2 "$dir/host_ed25519_key.pub")" \
			>"$dir/known_hosts"
		rc=0
		launch "$dir" || rc=$?
		[ "$rc" = 2 ] || break
		tries=$((tries + 1))
		[ "$tries" -lt 20 ] || die "no free port found in 20 tries"
	done

	# One login, so a refusal shows here and not as a test failure: with
	# UsePAM no, sshd refuses an account it sees as locked.
	if ! sftp -q -b /dev/null -F /dev/null -i "$dir/client_ed25519" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$dir/known_hosts" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -P "$port" "$(id -un)@127.0.0.1" </dev/null >/dev/null 2>&1; then
		why=$(grep -E 'not allowed|Authentication refused|[Ii]nvalid user' "$dir/sshd.log" | head -n 1)
		halt "$dir" KILL
		die "sftp login as $(id -un) fails: ${why:-see $dir/sshd.log}"
	fi
	listening "$dir"

	# One watchdog per DIR: an earlier start's would stop this server when
	# its own owner ends.
	w=$(cat "$dir/watchdog" 2>/dev/null || true)
	if [ -n "$w" ] && ps -ww -o args= -p "$w" 2>/dev/null | grep -qF "_watch $dir "; then
		kill "$w" 2>/dev/null || true
	fi
	rm -f "$dir/watchdog"
	if [ -n "$owner" ]; then
		# Its own session, and no inherited descriptors: bats waits for
		# those to close.
		setsid /bin/sh "$self" _watch "$dir" "$owner" </dev/null >/dev/null 2>&1 &
	fi
}

# _watch DIR OWNER: the --owner watchdog. It outlives stop and kill (a test
# may restart), and ends when OWNER is gone or DIR was removed.
watch() {
	# DIR may be gone already: then the loop ends at once and stops sshd.
	echo "$$" 2>/dev/null >"$1/watchdog" || true
	while alive "$2" && [ -d "$1" ]; do
		sleep 1
	done
	halt "$1" TERM
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case "$cmd" in
start) start "$@" ;;
stop | kill)
	[ $# -eq 1 ] || usage
	dir=$(dir_of "$1")
	if [ "$cmd" = stop ]; then halt "$dir" TERM; else halt "$dir" KILL; fi
	;;
restart | rekey)
	[ $# -eq 1 ] || usage
	dir=$(dir_of "$1")
	for f in sshd_config port host_ed25519_key client_ed25519 authorized_keys; do
		[ -s "$dir/$f" ] || die "$dir/$f missing: use 'start' first"
	done
	halt "$dir" TERM
	[ "$cmd" = restart ] || keygen "$dir/host_ed25519_key" "csgw-test-host-rekeyed"
	rc=0
	launch "$dir" || rc=$?
	[ "$rc" = 0 ] || die "port $(cat "$dir/port") of $dir is taken by another program"
	listening "$dir"
	;;
_watch)
	[ $# -eq 2 ] || usage
	watch "$@"
	;;
*) usage ;;
esac
