#!/usr/bin/env bats
# package.bats - csgw packaged like a Debian daemon: make deb (lintian finds
# no error); the package installed on this machine makes the service
# account, the role groups and the folders and neither enables nor starts
# the unit; with an operator's keys in place its gateway.conf is good;
# dpkg --purge removes the program and keeps the spool and the audit log.
# Then what make install puts where, and the bash completion.
#
# The package tests install into this machine: as root only, not in the
# sanitizer run (the package builds its own binary, not $CSGW), and not
# where a csgw is installed already.  teardown_file removes what they made:
# the package, its folders, and the accounts and groups that did not exist
# before.  config.bats makes the role groups too (only when missing, and
# removes only those it made), and roles.bats and demo.sh use other names
# (csgwt-*, csgwdemo-*): any order works, one file at a time.

load helpers
bats_require_minimum_version 1.5.0

ACCOUNTS="csgw"
GROUPS_MADE="csgw csgw-caseworkers csgw-supervisors csgw-compliance csgw-operators"
FOLDERS="/etc/csgw /var/lib/csgw /var/spool/csgw"

# The BUILD folder of $CSGW inside the checkout (make BUILD=...), or nothing.
build_dir() {
	local d
	d=$(cd "$(dirname "$CSGW")" 2>/dev/null && pwd) || return 0
	case $d in
	"$CSGW_TOP"/*) echo "${d#"$CSGW_TOP"/}" ;;
	esac
}

version() {
	sed -n 's/^VERSION = //p' "$CSGW_TOP/Makefile"
}

setup_file() {
	local a g d reason=""
	if [ "$(id -u)" -ne 0 ]; then
		reason="needs root: installs the package with dpkg and makes accounts"
	elif [[ $CSGW == */build-asan/* ]]; then
		reason="the sanitizer run: the package builds its own binary, not $CSGW"
	elif [ -z "$(build_dir)" ]; then
		reason="$CSGW is not built in this checkout (make deb builds from it)"
	elif dpkg-query -W -f='${Status}' csgw 2>/dev/null | grep -qv '^unknown ok not-installed$'; then
		reason="a csgw package is on this machine (dpkg -l csgw): the test would replace and purge it"
	else
		for d in $FOLDERS; do
			if [ -e "$d" ]; then
				reason="$d exists (an installed gateway?): the test would install over it"
			fi
		done
	fi
	echo "$reason" >"$BATS_FILE_TMPDIR/skip"
	[ -z "$reason" ] || return 0
	: >"$BATS_FILE_TMPDIR/existed"
	for a in $ACCOUNTS; do
		getent passwd "$a" >/dev/null && echo "user $a" >>"$BATS_FILE_TMPDIR/existed"
	done
	for g in $GROUPS_MADE; do
		getent group "$g" >/dev/null && echo "group $g" >>"$BATS_FILE_TMPDIR/existed"
	done
	return 0
}

teardown_file() {
	local a g d
	[ -s "$BATS_FILE_TMPDIR/skip" ] && [ -n "$(cat "$BATS_FILE_TMPDIR/skip")" ] && return 0
	[ -f "$BATS_FILE_TMPDIR/existed" ] || return 0
	if dpkg-query -W -f='${Status}' csgw 2>/dev/null | grep -qv 'not-installed'; then
		dpkg --purge csgw >/dev/null 2>&1 || true
	fi
	for d in $FOLDERS; do
		rm -rf "$d"
	done
	for a in $ACCOUNTS; do
		grep -qx "user $a" "$BATS_FILE_TMPDIR/existed" || userdel "$a" 2>/dev/null || true
	done
	for g in $GROUPS_MADE; do
		grep -qx "group $g" "$BATS_FILE_TMPDIR/existed" || groupdel "$g" 2>/dev/null || true
	done
}

# Skips a package test with the reason setup_file found.
need_package_machine() {
	local reason
	reason=$(cat "$BATS_FILE_TMPDIR/skip")
	[ -z "$reason" ] || skip "$reason"
}

# The installed package, from the first test.
need_installed() {
	need_package_machine
	[ -f "$BATS_FILE_TMPDIR/deb" ] || { echo "make deb did not build the package (first test)"; return 1; }
	dpkg-query -W -f='${Status}' csgw | grep -q '^install ok installed$' ||
		{ echo "the package is not installed (second test)"; return 1; }
}

@test "make deb builds csgw_VERSION-1_ARCH.deb in BUILD/deb, and lintian reports no error" {
	need_package_machine
	local b deb
	b=$(build_dir)
	run make -C "$CSGW_TOP" --no-print-directory deb BUILD="$b"
	echo "$output"
	[ "$status" -eq 0 ]
	deb=$(ls "$CSGW_TOP/$b/deb/csgw_$(version)-1_$(dpkg --print-architecture).deb")
	[[ "$output" == *"deb: $b/deb/csgw_$(version)-1_"*".deb"* ]]
	# make deb fails on a lintian error; its report is in the output.
	[[ "$output" == *"LINTIAN $b/deb/csgw_"* ]]
	run ! grep '^E: ' <<<"$output"
	echo "$deb" >"$BATS_FILE_TMPDIR/deb"
}

@test "dpkg -i: the program, the account, the role groups and the folders; the unit is neither enabled nor started" {
	need_package_machine
	[ -f "$BATS_FILE_TMPDIR/deb" ] || { echo "no package (first test)"; return 1; }
	run dpkg -i "$(cat "$BATS_FILE_TMPDIR/deb")"
	echo "$output"
	[ "$status" -eq 0 ]

	run /usr/bin/csgw --version
	[ "$output" = "csgw $(version)" ]
	# The service account: system, no login, its home the state folder.
	run getent passwd csgw
	echo "$output"
	IFS=: read -r _ _ uid gid _ home shell <<<"$output"
	[ "$uid" -lt 1000 ]
	[ "$home" = /var/lib/csgw ]
	[ "$shell" = /usr/sbin/nologin ]
	[ "$(getent group csgw | cut -d: -f3)" = "$gid" ]
	for g in csgw-caseworkers csgw-supervisors csgw-compliance csgw-operators; do
		getent group "$g" >/dev/null || { echo "no group $g"; return 1; }
	done
	[ "$(stat -c '%a %U %G' /var/lib/csgw)" = "700 csgw csgw" ]
	[ "$(stat -c '%a %U %G' /var/lib/csgw/checkpoints)" = "700 csgw csgw" ]
	[ "$(stat -c '%a %U %G' /var/spool/csgw)" = "700 csgw csgw" ]
	[ "$(stat -c '%a %U' /etc/csgw)" = "755 root" ]
	[ "$(stat -c '%a %U' /etc/csgw/private)" = "700 csgw" ]
	# The example is a conffile; the unit runs the installed binary.
	grep -qx /etc/csgw/gateway.conf.example /var/lib/dpkg/info/csgw.conffiles
	grep -qx 'ExecStart=/usr/bin/csgw -c /etc/csgw/gateway.conf run' /lib/systemd/system/csgw.service
	# The unit may write where the example puts the spool and the audit log.
	grep -qE '^ReadWritePaths=.*/var/lib/csgw .*/var/spool/csgw' /lib/systemd/system/csgw.service
	# Not enabled (no wants link), never started: postinst at most
	# try-restarts a gateway that already runs (an upgrade).
	[ ! -e /etc/systemd/system/multi-user.target.wants/csgw.service ]
	run ! deb-systemd-helper --quiet was-enabled csgw.service
	run ! grep -nE 'deb-systemd-invoke (start|restart)|systemctl .*(start|enable)' /var/lib/dpkg/info/csgw.postinst

	# Configuring again changes nothing and fails nothing.
	chmod 0750 /var/spool/csgw
	run dpkg-reconfigure csgw
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %U %G' /var/spool/csgw)" = "750 csgw csgw" ]
	chmod 0700 /var/spool/csgw
	[ "$(getent passwd csgw | cut -d: -f3)" = "$uid" ]
}

@test "systemd-analyze verify accepts the installed unit" {
	need_installed
	command -v systemd-analyze >/dev/null ||
		skip "systemd-analyze is not installed (package systemd; gateway/deps.sh test installs it)"
	run systemd-analyze verify /lib/systemd/system/csgw.service
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the man pages are where man finds them; bash-completion loads the completion" {
	need_installed
	local page n found=0
	for page in "$CSGW_TOP"/doc/*.[58]; do
		[ -e "$page" ] || continue
		n=${page##*.}
		[ -f "/usr/share/man/man$n/$(basename "$page").gz" ] || { echo "not installed: $page"; return 1; }
		found=$((found + 1))
	done
	[ "$found" -gt 0 ] || { echo "no man page in doc/"; return 1; }
	run man -w 8 csgw
	echo "$output"
	[ "$output" = /usr/share/man/man8/csgw.8.gz ]
	# bash-completion's loader finds it by the command's name.
	run bash -c '. /usr/share/bash-completion/bash_completion; __load_completion csgw && complete -p csgw'
	echo "$output"
	[ "$output" = "complete -o filenames -F _csgw csgw" ]
}

@test "with an operator's keys in place, the installed gateway.conf is good, read as the csgw account" {
	need_installed
	local pki=$BATS_FILE_TMPDIR/pki key
	"$CSGW_TOP/certs/init-dev.sh" "$pki" >/dev/null
	# What an operator does: the example as gateway.conf, the keys in
	# /etc/csgw/private (0600, the service account's), the certificates and
	# known_hosts in /etc/csgw/certs, the spool and audit log in the
	# package's folders.
	cd /etc/csgw
	cp gateway.conf.example gateway.conf
	grep -q '^spool = /var/spool/csgw ' gateway.conf
	grep -q '^signing_key = private/signing.key ' gateway.conf
	mkdir -p certs
	cp -R "$pki/ca06/local" "$pki/ca06/trusted" "$pki/ca06/partners" certs/
	cp certs/partners/tx48.pem certs/partners/tx.pem
	key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	printf 'sftp.tx.example %s\nsftp.ocse.example %s\n' "$key" "$key" >certs/known_hosts
	chmod -R a+rX certs
	install -m 0600 -o csgw -g csgw "$pki/ca06/private/signing.key" "$pki/ca06/private/subject.key" \
		"$pki/ca06/private/ssh_ed25519" private/
	run runuser -u csgw -- env -u CSGW_MAPPINGS /usr/bin/csgw -c /etc/csgw/gateway.conf check-config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"configuration is good"* ]]
	# The mappings are found beside the installed binary.
	[[ "$(runuser -u csgw -- env -u CSGW_MAPPINGS /usr/bin/csgw mapping list)" == *"ndnh-report"* ]]
}

@test "dpkg --purge removes the program and keeps the spool, the audit log and the operator's keys" {
	need_installed
	echo entry >/var/spool/csgw/kept
	echo log >/var/lib/csgw/kept
	mkdir -p /etc/csgw/private
	echo key >/etc/csgw/private/kept.key
	run dpkg --purge csgw
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e /usr/bin/csgw ]
	[ ! -e /lib/systemd/system/csgw.service ]
	[ ! -e /etc/csgw/gateway.conf.example ]
	[ ! -e /usr/share/csgw ]
	[ "$(cat /var/spool/csgw/kept)" = entry ]
	[ "$(cat /var/lib/csgw/kept)" = log ]
	[ "$(cat /etc/csgw/private/kept.key)" = key ]
	# Debian leaves the accounts (files may still be theirs).
	getent passwd csgw >/dev/null
}

@test "installed again over the kept data, then purged with nothing added: no /etc/csgw is left" {
	need_package_machine
	[ -f "$BATS_FILE_TMPDIR/deb" ] || { echo "no package (first test)"; return 1; }
	rm -rf /etc/csgw
	run dpkg -i "$(cat "$BATS_FILE_TMPDIR/deb")"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat /var/spool/csgw/kept)" = entry ]
	[ "$(stat -c '%a %U' /etc/csgw/private)" = "700 csgw" ]
	run dpkg --purge csgw
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e /etc/csgw ]
	[ "$(cat /var/spool/csgw/kept)" = entry ]
	[ "$(cat /var/lib/csgw/kept)" = log ]
}

@test "make install DESTDIR PREFIX=/usr puts every file where the README says" {
	local b d=$BATS_TEST_TMPDIR/root sanitize=()
	b=$(build_dir)
	[ -n "$b" ] || skip "$CSGW is not built in this checkout"
	[ "$b" = build-asan ] && sanitize=(SANITIZE=1)
	run make -C "$CSGW_TOP" --no-print-directory install BUILD="$b" "${sanitize[@]}" DESTDIR="$d" PREFIX=/usr
	echo "$output"
	[ "$status" -eq 0 ]
	[ -x "$d/usr/bin/csgw" ]
	cmp "$CSGW" "$d/usr/bin/csgw"
	diff -r "$CSGW_TOP/mappings" "$d/usr/share/csgw/mappings"
	cmp "$CSGW_TOP/README.md" "$d/usr/share/csgw/README.md"
	cmp "$CSGW_TOP/gateway/gateway.conf.example" "$d/usr/share/csgw/gateway.conf.example"
	cmp "$CSGW_TOP/gateway/csgw.bash-completion" "$d/usr/share/bash-completion/completions/csgw"
	grep -qx 'ExecStart=/usr/bin/csgw -c /etc/csgw/gateway.conf run' "$d/usr/lib/systemd/system/csgw.service"
	run ! grep -n /usr/local "$d/usr/lib/systemd/system/csgw.service"
	local page n
	for page in "$CSGW_TOP"/doc/*.[58]; do
		[ -e "$page" ] || continue
		n=${page##*.}
		cmp "$page" "$d/usr/share/man/man$n/$(basename "$page")"
		[ "$(stat -c %a "$d/usr/share/man/man$n/$(basename "$page")")" = 644 ]
	done
	# Nothing else.
	run bash -c "cd '$d' && find . -type f ! -path './usr/share/csgw/mappings/*' | sort"
	echo "$output"
	local expected
	expected=$(
		cd "$CSGW_TOP"
		printf '%s\n' ./usr/bin/csgw ./usr/share/csgw/README.md ./usr/share/csgw/gateway.conf.example \
			./usr/share/bash-completion/completions/csgw ./usr/lib/systemd/system/csgw.service
		for page in doc/*.[58]; do
			[ -e "$page" ] && echo "./usr/share/man/man${page##*.}/${page#doc/}"
		done
	)
	[ "$output" = "$(sort <<<"$expected")" ]
}

# comp WORD...: what _csgw offers for the last WORD of 'csgw WORD...', one
# per line ($CSGW is the csgw on the line).
comp() {
	bash -c '. "$CSGW_TOP/gateway/csgw.bash-completion"
		COMP_WORDS=("$CSGW" "$@")
		COMP_CWORD=$#
		_csgw
		printf "%s\n" "${COMPREPLY[@]}"' comp "$@"
}

@test "completion: commands and subcommands" {
	run comp val
	[ "$output" = validate ]
	run comp -c x.conf ch
	[ "$output" = check-config ]
	run comp audit re
	[ "$output" = report ]
	run comp audit ""
	[ "${lines[*]}" = "verify checkpoint proof check-proof search report accounting witnesses witness-release" ]
	run comp queue ""
	[ "${lines[*]}" = "list show hold release retry purge" ]
	run comp locate request --so
	[ "$output" = --sources ]
	# every command of csgw --help
	run comp ""
	[ "${lines[*]}" = "$("$CSGW" --help | awk '/^commands:/ { on = 1; next } on && /^  / { print $1 }' | xargs)" ]
}

@test "completion: partner names of the gateway.conf in use" {
	cd "$BATS_TEST_TMPDIR"
	printf '[gateway]\nstate = 06\n[partner TX]\nhost = a\n  [partner OCSE]\nhost = b\n' >my.conf
	printf '[partner NV]\n' >other.conf
	run comp -c my.conf send ""
	[ "${lines[*]}" = "TX OCSE" ]
	run comp -c my.conf partner check O
	[ "$output" = OCSE ]
	run comp -c my.conf refer --to ""
	[ "${lines[*]}" = "TX OCSE" ]
	export CSGW_CONF=other.conf
	run comp fetch ""
	[ "$output" = NV ]
	unset CSGW_CONF
	cp other.conf gateway.conf
	run comp locate request --partner ""
	[ "$output" = NV ]
}

@test "completion: batch types after map, families after mapping show" {
	run comp map nd
	[ "${lines[*]}" = "ndnh-report ndnh-control" ]
	run comp --mappings "$CSGW_MAPPINGS" mapping show ""
	[ "${lines[*]}" = "$(for f in "$CSGW_MAPPINGS"/*/*.map.xml; do basename "$f" .map.xml; done | xargs)" ]
	# then a file
	cd "$BATS_TEST_TMPDIR"
	touch extract.txt
	run comp map ndnh-report ext
	[ "$output" = extract.txt ]
}
