#!/bin/sh
# sftp.sh - 'make bench', SFTP part: csgw send and fetch against a bare
# libssh2 transfer (the floor: tests/bench/sftp_floor.c) and OpenSSH's sftp,
# all to a real sshd on 127.0.0.1 (tests/sshd.sh), same run.
#
# usage: tests/bench/sftp.sh BUILD_DIR [SCRATCH_DIR]
#        (default SCRATCH_DIR: bench-out/sftp; SFTP_BENCH_MIB=N for an N MiB
#        file instead of 1024; BENCH_KEEP=1 keeps the big files)
#
# One file of random bytes goes up and comes down with each tool, cipher
# aes128-ctr and MAC hmac-sha2-256 both ways, no compression:
#   floor     sftp_floor: 256 KiB libssh2_sftp_write / _read calls
#   openssh   sftp -b; -B and -R at their defaults: OpenSSH 9 takes the
#             server's limits (about 255 KiB requests, 64 in flight)
#   csgw      csgw send (file pre-signed, so the upload measures the transfer
#             and the check of the existing signature: csgw hashes the file
#             as it sends it) and csgw fetch (which hashes as it receives
#             and verifies the signature); the default remote_fsync = yes
#   csgw-nofs csgw send with remote_fsync = no: what the server's fsync of
#             the upload costs (the floor and sftp do not ask for one)
# Each measurement runs twice under GNU time; the faster counts (the file
# is in the page cache for both). A run's output is checked by SHA-256
# against the original, and the copies are removed between runs. Client CPU
# is user+sys of the client and the children it waits for (sftp's ssh); the
# sshd shares the same cores. Targets: csgw at least 0.95x the floor's
# throughput both ways, at most 1.1x its CPU per GiB. The script measures;
# a missed target is reported, not fatal.
set -eu

die() {
	echo "bench-sftp: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: tests/bench/sftp.sh BUILD_DIR [SCRATCH_DIR]"
fi
case "$1" in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
csgw=$build/csgw
harness=$top/tests/sshd.sh
scratch=${2:-$top/bench-out/sftp}
case "$scratch" in
/*) ;;
*) scratch=$(pwd)/$scratch ;;
esac
mib=${SFTP_BENCH_MIB:-1024}
case "$mib" in
"" | *[!0-9]* | 0*) die "SFTP_BENCH_MIB must be a whole number of MiB, not '$mib'" ;;
esac
bytes=$((mib * 1048576))
cc=${CC:-cc}

[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package 'time')"
/usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null ||
	die "/usr/bin/time is not GNU time (Debian package 'time')"
command -v sftp >/dev/null || die "sftp missing (Debian package openssh-client)"
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing (Debian package openssh-server)"
command -v pkg-config >/dev/null || die "pkg-config missing"
pkg-config --exists libssh2 || die "libssh2 missing (Debian package libssh2-1-dev)"

# A server left by an interrupted run would hold the old folder.
"$harness" stop "$scratch/sshd" >/dev/null 2>&1 || true
rm -rf "$scratch"
mkdir -p "$scratch/logs"
echo "bench-sftp: scratch folder $scratch"

# shellcheck disable=SC2046 # pkg-config output is meant to be split
"$cc" -O2 -Wall -Wextra -Werror -o "$scratch/sftp_floor" "$here/sftp_floor.c" \
	$(pkg-config --cflags --libs libssh2) || die "FAILED to compile tests/bench/sftp_floor.c"

data=$scratch/data.bin
srv=$scratch/sshd
cleanup() {
	"$harness" stop "$srv" >/dev/null 2>&1 || true
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$data" "$data.p7s" "$srv/remote" "$scratch/csgw-spool" "$scratch"/*.bin
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

head -c "$bytes" /dev/urandom >"$data" || die "FAILED to write $data"
sum=$(sha256sum "$data" | cut -d ' ' -f 1)
"$harness" start "$srv" --owner $$ >"$scratch/logs/sshd-start.log" 2>&1 ||
	die "FAILED to start sshd: $(cat "$scratch/logs/sshd-start.log")"
port=$(cat "$srv/port")
user=$(id -un)
key=$srv/client_ed25519
inbound=$srv/remote/inbound
outbound=$srv/remote/outbound
echo "bench-sftp: $mib MiB, sshd on 127.0.0.1:$port, aes128-ctr + hmac-sha2-256, faster of 2 runs"

# remote_file SRC DEST: lay DEST in the server's folder; a hard link costs
# no time and keeps the bytes in the page cache.
remote_file() {
	ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2" || die "FAILED to copy $1 to $2"
}

# Both remote folders empty again (csgw leaves .p7s and may leave .part).
clean_remote() {
	rm -rf "$inbound" "$outbound"
	mkdir "$inbound" "$outbound" || die "FAILED to recreate $srv/remote"
}

# timed CMD...: CMD under GNU time into $tf, its output into $log. The
# earlier run's writes are flushed first, so they do not land in this one.
timed() {
	sync
	/usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$log" 2>&1
}

# --- the tools: TOOL DIRECTION RUN lays the input, runs timed and sets
# $result to the file that must equal the original.
t_floor() {
	if [ "$1" = up ]; then
		result=$inbound/floor.bin
		timed "$scratch/sftp_floor" up 127.0.0.1 "$port" "$user" "$key" "$data" "$result"
	else
		remote_file "$data" "$outbound/floor.bin"
		result=$scratch/floor-down.bin
		timed "$scratch/sftp_floor" down 127.0.0.1 "$port" "$user" "$key" "$result" \
			"$outbound/floor.bin"
	fi
}

t_openssh() {
	batch=$scratch/openssh.batch
	if [ "$1" = up ]; then
		result=$inbound/openssh.bin
		printf 'put "%s" "%s"\n' "$data" "$result" >"$batch"
	else
		remote_file "$data" "$outbound/openssh.bin"
		result=$scratch/openssh-down.bin
		printf 'get "%s" "%s"\n' "$outbound/openssh.bin" "$result" >"$batch"
	fi
	timed sftp -q -b "$batch" -F /dev/null -i "$key" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$srv/known_hosts" -o StrictHostKeyChecking=yes \
		-o BatchMode=yes -c aes128-ctr -o MACs=hmac-sha2-256 -o Compression=no \
		-P "$port" "$user@127.0.0.1"
}

# --- csgw -------------------------------------------------------------------
# Written against the contract of 'csgw send' and 'csgw fetch' (see their
# --help); adapt here if it changes. A gateway.conf with the dev PKI whose
# partner TX is the harness's server; TX's certificate is our own, so our
# signatures verify as TX's on fetch. Each run uses a new file name: csgw
# keeps a ledger of received files (name and SHA-256) and would not deliver
# the same file twice.
conf=$scratch/gateway.conf
spool=$scratch/csgw-spool
csgw_setup() {
	[ -x "$csgw" ] || {
		csgw_why="$csgw not found; run 'make' first"
		return 1
	}
	"$top/certs/init-dev.sh" "$scratch/pki" >"$scratch/logs/pki.log" 2>&1 || {
		csgw_why="certs/init-dev.sh failed: $(tail -n 1 "$scratch/logs/pki.log")"
		return 1
	}
	mkdir -p "$spool" "$scratch/csgw-audit"
	cat >"$conf" <<-EOF
		[gateway]
		state = 06
		environment = test
		spool = csgw-spool
		audit_db = csgw-audit/audit.db
		checkpoint_dir = csgw-audit
		signing_cert = pki/ca06/local/signing.pem
		signing_key = pki/ca06/private/signing.key
		ca_bundle = pki/ca06/trusted/ca.pem
		subject_key = pki/ca06/private/subject.key

		[partner TX]
		class = iv-d-agency
		state = 48
		host = 127.0.0.1
		port = $port
		user = $user
		ssh_key = $key
		known_hosts = $srv/known_hosts
		remote_inbox = $inbound
		remote_outbox = $outbound
		families = locate referral
		cert = pki/ca06/local/signing.pem
	EOF
	{ cat "$conf"; echo "remote_fsync = no"; } >"$scratch/nofsync.conf"
	# Signed once here: the upload runs measure the transfer, not signing.
	"$csgw" -c "$conf" sign "$data" >"$scratch/logs/csgw-sign.log" 2>&1 || {
		csgw_why="csgw sign failed: $(tail -n 1 "$scratch/logs/csgw-sign.log")"
		return 1
	}
}

t_csgw() {
	csgw_up "$conf" "$@"
}

t_csgw_nofs() {
	csgw_up "$scratch/nofsync.conf" "$@"
}

csgw_up() {
	c=$1
	shift
	name=csgw-$1-$2.bin
	if [ "$1" = up ]; then
		remote_file "$data" "$scratch/$name"
		cp "$data.p7s" "$scratch/$name.p7s"
		result=$inbound/$name
		rc=0
		timed "$csgw" -c "$c" send TX "$scratch/$name" || rc=$?
		rm -f "$scratch/$name" "$scratch/$name.p7s"
		return "$rc"
	else
		remote_file "$data" "$outbound/$name"
		cp "$data.p7s" "$outbound/$name.p7s"
		result=$spool/incoming/TX/$name
		timed "$csgw" -c "$c" fetch TX
	fi
}

# --- measure ----------------------------------------------------------------
results=$scratch/results.txt
: >"$results"
# measure TOOL DIRECTION: two runs of t_TOOL; prints the faster and appends
# "TOOL DIRECTION seconds cpu_seconds kib" to results. 1 if the tool fails
# (its log says why); a copy that differs from the original is fatal.
measure() {
	best=""
	for run in 1 2; do
		tf=$scratch/logs/$1-$2.$run.time
		log=$scratch/logs/$1-$2.$run.log
		clean_remote
		if ! "t_$1" "$2" "$run"; then
			failed_log=$log
			return 1
		fi
		got=$(sha256sum "$result" 2>/dev/null | cut -d ' ' -f 1)
		[ "$got" = "$sum" ] || die "FAILED: $1 $2 run $run: $result is not the original (SHA-256 '$got', expected $sum)"
		rm -f "$result"
		read -r secs usr sys kib <<-EOF
			$(tail -n 1 "$tf")
		EOF
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs best_kib=$kib
			best_cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }')
		fi
	done
	clean_remote
	echo "$1 $2 $best $best_cpu $best_kib" >>"$results"
	awk -v t="$1" -v d="$2" -v s="$best" -v c="$best_cpu" -v k="$best_kib" -v b="$bytes" 'BEGIN {
		printf "bench-sftp: %-9s %-4s %7.2f s %8.1f MB/s %7.2f CPU s/GiB %7.1f MiB RSS\n",
			t, d, s, (s > 0 ? b / 1e6 / s : 0), c / (b / 1073741824), k / 1024
	}'
}

for dir in up down; do
	measure floor "$dir" || {
		tail -n 20 "$failed_log" >&2
		die "FAILED: sftp_floor $dir (log: $failed_log)"
	}
done
for dir in up down; do
	measure openssh "$dir" || {
		tail -n 20 "$failed_log" >&2
		die "FAILED: sftp -b $dir (log: $failed_log)"
	}
done
csgw_why=""
if csgw_setup; then
	for dir in up down; do
		if ! measure csgw "$dir"; then
			csgw_why="csgw $dir failed: $(tail -n 1 "$failed_log"); log: $failed_log"
			break
		fi
	done
	[ -n "$csgw_why" ] || measure csgw_nofs up ||
		csgw_why="csgw (remote_fsync = no) failed: $(tail -n 1 "$failed_log")"
fi
[ -z "$csgw_why" ] || echo "bench-sftp: csgw: not available ($csgw_why)"

# --- report -----------------------------------------------------------------
echo
awk -v bytes="$bytes" -v mib="$mib" '
	{ sec[$1, $2] = $3; cpu[$1, $2] = $4 / (bytes / 1073741824) }
	function verdict(ok) { return ok ? "PASS" : "MISS" }
	# ratio NAME VALUE CMP TARGET: VALUE, or n/a when a side is missing.
	function ratio(name, a, b, cmp, target,   r) {
		if (a == "" || b == "" || a <= 0 || b <= 0) { printf "  %-44s    n/a\n", name; return }
		r = a / b
		if (cmp == "")
			printf "  %-44s %6.2f\n", name, r
		else
			printf "  %-44s %6.2f   target %s %-4s %s\n", name, r, cmp, target,
				verdict(cmp == ">=" ? r >= target : r <= target)
	}
	END {
		printf "sftp bench, %s MiB (faster of 2 runs; MB/s = 10^6 bytes per second)\n", mib
		for (k = 1; k <= 2; k++) {
			d = k == 1 ? "up" : "down"
			printf "%s:\n", d
			# Throughput ratios are time ratios turned over: b / a.
			ratio("csgw / floor (throughput)", sec["floor", d], sec["csgw", d], ">=", "0.95")
			ratio("csgw / floor (CPU per GiB)", cpu["csgw", d], cpu["floor", d], "<=", "1.1")
			ratio("csgw / openssh sftp (throughput)", sec["openssh", d], sec["csgw", d], "", "")
			ratio("openssh sftp / floor (throughput)", sec["floor", d], sec["openssh", d], "", "")
			if (d == "up") {
				ratio("csgw no remote fsync / floor (throughput)", sec["floor", d], sec["csgw_nofs", d], "", "")
				ratio("csgw no remote fsync / floor (CPU per GiB)", cpu["csgw_nofs", d], cpu["floor", d], "", "")
			}
		}
	}' "$results" | tee "$scratch/report.txt"
echo "bench-sftp: done; logs and report in $scratch"
