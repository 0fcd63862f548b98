# Issue 11 item 10: out of memory (ulimit -v) names the cause and exits 2,
# never "libcrypto has no SHA-256" or an abort (134). Each limit of a range
# that spans the start-up allocations is tried; only what breaks the rule
# is printed, and at least one run must have run out of memory.
. "$TESTS_CLI/lib.sh"
[ -z "$IMSCAN_WRAP" ] || { echo "not under $IMSCAN_WRAP" >&2; exit 77; }
( ulimit -v 400000 && "$IMSCAN" --version > /dev/null 2>&1 ) ||
	{ echo "imscan cannot run under ulimit -v (a sanitizer build?)" >&2; exit 77; }
mktree; data_rule
oom=0
for v in $(seq 9000 250 16000); do
	( ulimit -v "$v"; exec "$IMSCAN" baseline -r rule.json --root root -b b.imdb -j1 ) \
		> /dev/null 2> err
	rc=$?
	if [ "$rc" = 2 ] && grep -q '^imscan: out of memory' err; then
		oom=$((oom + 1))
	elif [ "$rc" != 0 ] || grep -v '^imscan: baseline: \|left behind by an imscan' err; then
		echo "ulimit -v $v: exit $rc"
	fi
done
[ "$oom" -gt 0 ] && echo "some runs ran out of memory" || echo "no run ran out of memory"
