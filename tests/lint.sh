#!/bin/sh
# lint.sh - formatting (clang-format, .clang-format), banned functions, the
# layers' includes, and a shellcheck of the project's scripts.
set -u
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files 'gateway/*.c' 'gateway/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find gateway tests -name '*.[ch]')
rc=0
# shellcheck disable=SC2086 # one argument per file
if ! clang-format --dry-run --Werror $files; then
	echo "lint: formatting differs from .clang-format (run: clang-format -i FILE)" >&2
	rc=1
fi
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atol|gets|strtok)[[:space:]]*\('
# shellcheck disable=SC2086
if grep -nE "$banned" $files | grep -v 'lint: allow'; then
	echo "lint: banned functions above (gateway/STYLE.md)" >&2
	rc=1
fi
# Layers (gateway/STYLE.md): cmd -> ops -> core -> io -> util, never
# upward; only io/ includes the libraries' headers.
layer() {
	case $1 in
	gateway/cmd/*) echo 5 ;; gateway/ops/*) echo 4 ;; gateway/core/*) echo 3 ;;
	gateway/io/*) echo 2 ;; gateway/util/*) echo 1 ;; *) echo 0 ;;
	esac
}
incs=$(mktemp)
for f in $files; do
	own=$(layer "$f")
	[ "$own" -gt 0 ] || continue
	sed -n 's/^#include "\([a-z]*\/[a-z_]*\.h\)".*/\1/p' "$f" >"$incs"
	while read -r inc; do
		if [ "$(layer "gateway/$inc")" -gt "$own" ]; then
			echo "$f: includes $inc, a layer above it (gateway/STYLE.md)" >&2
			rc=1
		fi
	done <"$incs"
	if [ "$own" -ne 2 ] && grep -nE '^#include <(libxml/|openssl/|libssh2|sqlite3)' "$f" >&2; then
		echo "$f: a library header outside gateway/io/ (gateway/STYLE.md)" >&2
		rc=1
	fi
done
rm -f "$incs"
scripts=$(git ls-files '*.sh' .ci/run gateway/csgw.bash-completion debian/postinst debian/postrm debian/prerm 2>/dev/null)
# shellcheck disable=SC2086
if [ -n "$scripts" ] && ! shellcheck $scripts; then
	echo "lint: shellcheck findings above" >&2
	rc=1
fi
[ "$rc" -eq 0 ] && echo "lint: ok ($(echo "$files" | wc -w) C files, $(echo "$scripts" | wc -w) scripts)"
exit "$rc"
