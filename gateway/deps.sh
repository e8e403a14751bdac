#!/bin/sh
# deps.sh - make sure the Debian packages csgw needs are installed.
#
# usage: gateway/deps.sh GROUP...   (build, test, bench, demo, fuzz, lint, deb)
# As root, installs what is missing (apt-get update once, then install).
# Otherwise names the exact apt-get line and fails.
set -eu

pkgs_build="gcc make pkg-config libc6-dev libxml2-dev libssl-dev libinih-dev libssh2-1-dev libsqlite3-dev libseccomp-dev openssl"
# mandoc, man-db, bash-completion and systemd for tests/cli/package.bats: man
# pages, the completion, and systemd-analyze verify of the unit; it also runs
# make deb (pkgs_deb).  strace: daemon.bats counts the parsers a run starts.
pkgs_test="libcmocka-dev bats libxml2-utils openssh-client openssh-server iproute2 procps inotify-tools sqlite3 time python3 faketime chromium mandoc man-db bash-completion systemd strace"
# make deb: the package is built from the checkout's files (git ls-files).
pkgs_deb="git dpkg-dev debhelper lintian"
pkgs_bench="time libxml2-utils valgrind openssl openssh-client openssh-server iproute2 procps perl"
pkgs_demo="libxml2-utils openssl openssh-client openssh-server iproute2 procps"
pkgs_lint="clang-format shellcheck"
pkgs_fuzz="clang libclang-rt-14-dev openssl openssh-client"

want=""
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test $pkgs_deb" ;;
	bench) want="$want $pkgs_build $pkgs_bench" ;;
	demo) want="$want $pkgs_build $pkgs_demo" ;;
	lint) want="$want $pkgs_lint" ;;
	fuzz) want="$want $pkgs_build $pkgs_fuzz" ;;
	deb) want="$want $pkgs_build $pkgs_deb" ;;
	*) echo "deps.sh: unknown group '$group' (build, test, bench, demo, fuzz, lint, deb)" >&2; exit 64 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "csgw needs these Debian packages:$missing" >&2
	echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 69
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Once: lists fetched within the hour (an earlier call, CI) are used as they are.
if ! find /var/lib/apt/lists -name '*_Packages*' -mmin -60 2>/dev/null | grep -q .; then
	apt-get update -qq >/dev/null
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
