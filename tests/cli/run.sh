#!/bin/sh
# CLI test runner. Each tests/cli/cases/NAME.sh runs in its own scratch
# directory with $IMSCAN (the binary, prefixed by $IMSCAN_WRAP, e.g.
# "valgrind -q") and lib.sh's helpers. Its exit status, stdout and stderr
# are compared with NAME.exit (default 0), NAME.out and NAME.err when those
# exist. A case exits 77 to be skipped; its last stderr line says why.
#   IMSCAN_REGEN=1 sh tests/cli/run.sh [NAME...]   rewrite the expectations
#   KEEP=1 sh tests/cli/run.sh [NAME...]   keep each failed case's scratch
#     directory (its .out and .err are what the case printed); the runner
#     says where
# IMSCAN_CASE_TIMEOUT: seconds a case may take (300; make valgrind: 900).
# `make valgrind` has valgrind log to a file in $IMSCAN_VGLOG (one directory
# per case): the case fails if a log holds anything but valgrind's "--PID--"
# notes, such as those on syscalls it does not know (Landlock's, in valgrind
# 3.19: they fail with ENOSYS, as on a kernel without Landlock). Its errors
# are caught even where a case keeps imscan's stderr to itself.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${IMSCAN:?set IMSCAN to the imscan binary}"
export IMSCAN TESTS_CLI="$here" IMSCAN_WRAP="${IMSCAN_WRAP:-}"
# Events and summaries must not depend on the caller's environment.
unset IMSCAN_BASELINE IMSCAN_RULES XDG_STATE_HOME
export LC_ALL=C TZ=UTC

pass=0 fail=0 skip=0
if [ $# -gt 0 ]; then
	cases=$(for n in "$@"; do echo "$here/cases/$n.sh"; done)
else
	cases=$(ls "$here"/cases/*.sh)
fi
tmproot=$(mktemp -d "${TMPDIR:-/tmp}/imscan-cli.XXXXXX")
# Beside tmproot, which is 0700: cases that run imscan as nobody log too.
vgroot=$(mktemp -d "${TMPDIR:-/tmp}/imscan-vg.XXXXXX")
chmod 755 "$vgroot"
# With KEEP=1, a passed or skipped case's directories go at once and the
# failed ones stay.
cleanup() {
	if [ "${KEEP:-}" = 1 ] && [ "$fail" != 0 ]; then
		echo "cli: scratch directories of failed cases kept in $tmproot"
		rmdir "$vgroot"/* "$vgroot" 2>/dev/null
		[ -d "$vgroot" ] && echo "cli: their valgrind logs kept in $vgroot"
	else
		rm -rf "$tmproot" "$vgroot"
	fi
}
trap cleanup EXIT
passed() {
	[ "${KEEP:-}" = 1 ] && rm -rf "$dir" "$vg"
}

for c in $cases; do
	name=$(basename "$c" .sh)
	dir="$tmproot/$name"
	vg="$vgroot/$name"
	mkdir -p "$dir" "$vg" && chmod 1777 "$vg"
	( cd "$dir" && HOME="$dir" IMSCAN_VGLOG="$vg" timeout "${IMSCAN_CASE_TIMEOUT:-300}" sh "$c" \
		>"$dir/.out" 2>"$dir/.err" )
	rc=$?
	if [ "$rc" = 77 ]; then
		skip=$((skip + 1))
		echo "skip $name: $(tail -n 1 "$dir/.err")"
		passed
		continue
	fi
	want_rc=0
	[ -f "$here/cases/$name.exit" ] && want_rc=$(cat "$here/cases/$name.exit")
	if [ "${IMSCAN_REGEN:-}" = 1 ]; then
		[ "$rc" = 0 ] && rm -f "$here/cases/$name.exit" || echo "$rc" > "$here/cases/$name.exit"
		cp "$dir/.out" "$here/cases/$name.out"
		cp "$dir/.err" "$here/cases/$name.err"
		[ -s "$here/cases/$name.out" ] || rm -f "$here/cases/$name.out"
		[ -s "$here/cases/$name.err" ] || rm -f "$here/cases/$name.err"
		echo "regen $name (exit $rc)"
		pass=$((pass + 1))
		continue
	fi
	ok=1
	vglog=$(cat "$vg"/* 2>/dev/null | grep -v '^--[0-9]*-- ')
	if [ -n "$vglog" ]; then
		echo "FAIL $name: valgrind:"
		echo "$vglog" | head -n 40
		ok=0
	fi
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: exit status $rc, expected $want_rc"
		ok=0
	fi
	for s in out err; do
		exp="$here/cases/$name.$s"
		[ -f "$exp" ] || exp=/dev/null
		if ! cmp -s "$exp" "$dir/.$s"; then
			echo "FAIL $name: std$s differs:"
			diff -u "$exp" "$dir/.$s" | head -n 40
			ok=0
		fi
	done
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "ok   $name"
		passed
	else
		fail=$((fail + 1))
		if [ "${KEEP:-}" = 1 ]; then
			echo "FAIL $name: scratch directory kept: $dir"
		else
			echo "FAIL $name: KEEP=1 keeps its scratch directory"
		fi
	fi
done
echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
