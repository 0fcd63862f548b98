#!/bin/sh
# bench/cold.sh - imscan and AIDE from a cold page cache.
#
# The same baseline and check as bench/run.sh (one rule over the whole
# corpus, STANDARD attributes, sha256; AIDE with the equivalent
# configuration), each run preceded by `sync; echo 3 >
# /proc/sys/vm/drop_caches`, so every byte and inode comes from the disk:
# what a nightly check on a real host costs. For scale, the floor from a
# cold cache too: a metadata walk (find -printf) and reading every file
# (xargs -P CPUs cat). And check with four hashing threads per CPU, for
# whether more reads in flight help the disk. Median of BENCH_RUNS runs
# (default 3) of wall seconds, user+sys CPU seconds and peak RSS.
#
# Needs root (dropping caches); otherwise it says so and exits 0.
# Environment: as bench/run.sh (IMSCAN, BENCH_DIR, BENCH_RUNS, BENCH_QUICK,
# BENCH_SYNTHETIC). Saves to bench/results/<date>-cold.txt.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$HERE/lib.sh"

if [ "$(id -u)" != 0 ]; then
	say "cold-cache runs need root (to write /proc/sys/vm/drop_caches): skipped"
	exit 0
fi
setup_tools
if ! drop_caches; then
	say "cannot write /proc/sys/vm/drop_caches (a container?): skipped"
	exit 0
fi
STAMP=$(date -u +%Y%m%d-%H%M%S)
RAW="$WORK/raw-cold-$STAMP.tsv"
REPORT="$RESULTS/$STAMP-cold.txt"
: > "$RAW"

TREE=$(sh "$HERE/corpus.sh" main)
# Leftovers of an interrupted bench/run.sh.
sh "$HERE/mutate.sh" restore "$TREE" "$WORK/mutate-$(basename "$TREE")"
[ "$HAVE_AIDE" = 1 ] && write_aide_conf "$TREE"
read -r ENTRIES FILES BYTES <<EOF
$(tree_stats "$TREE")
EOF
IMDB="$WORK/cold.imdb"

i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	say "cold run $i of $BENCH_RUNS on $TREE"
	drop_caches
	timeit "walk, cold" 0 /dev/null find "$TREE" -printf '%p %s %T@\n'
	drop_caches
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeit "read, cold" 0 /dev/null sh -c \
		'find "$1" -type f -print0 | xargs -0 -r -P"$2" -n 200 cat' sh "$TREE" "$NPROC"
	drop_caches
	timeit "imscan baseline, cold" 0 /dev/null "$IMSCAN" baseline -r "$RULES" -b "$IMDB" --root "$TREE"
	drop_caches
	timeit "imscan check, cold" 0 /dev/null "$IMSCAN" check -b "$IMDB" --root "$TREE"
	# More reads in flight than CPUs: does the disk gain from a deeper queue?
	drop_caches
	timeit "imscan check -j 4xCPU, cold" 0 /dev/null \
		"$IMSCAN" check -b "$IMDB" --root "$TREE" --jobs $((4 * NPROC))
	if [ "$HAVE_AIDE" = 1 ]; then
		drop_caches
		timeit "aide --init, cold" 0 /dev/null aide --init -c "$AIDE_CONF"
		mv "$WORK/aide.db.new.gz" "$AIDE_DB"
		drop_caches
		timeit "aide --check, cold" 0 /dev/null aide --check -c "$AIDE_CONF"
	fi
done
rm -f "$IMDB"

row() {
	w=$(median "$1" 2)
	ra=n/a
	[ -n "$2" ] && ra=$(calc '%.2f' a/b "$w" "$(median "$2" 2)")
	rr=n/a
	[ -n "$3" ] && rr=$(calc '%.2f' a/b "$w" "$(median "$3" 2)")
	printf '%-28s %8s %8s %9s %8s %9s\n' "$1" "$w" "$(median "$1" 3)" \
		"$(calc '%.1f' a/1024 "$(median "$1" 4)" 1)" "$ra" "$rr"
}

report() {
	echo "imscan cold-cache benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $NPROC CPUs, $(uname -r)"
	echo "imscan: $(imscan_describe)"
	[ "$HAVE_AIDE" = 1 ] && echo "AIDE $(aide_version): $AIDE_ATTRS, num_workers=$NPROC"
	echo "corpus: $TREE ($(cat "$TREE.stamp")): $ENTRIES entries, $FILES files, $(calc '%.2f' a/b "$BYTES" 1e9) GB"
	echo "caches dropped before every run; median of $BENCH_RUNS runs"
	echo
	printf '%-28s %8s %8s %9s %8s %9s\n' "command" "wall s" "cpu s" "RSS MB" "vs AIDE" "vs read"
	row "imscan baseline, cold" "aide --init, cold" "read, cold"
	row "imscan check, cold" "aide --check, cold" "read, cold"
	row "imscan check -j 4xCPU, cold" "aide --check, cold" "read, cold"
	if [ "$HAVE_AIDE" = 1 ]; then
		row "aide --init, cold" "" "read, cold"
		row "aide --check, cold" "" "read, cold"
	fi
	row "walk, cold" "" ""
	row "read, cold" "" ""
}

report > "$REPORT"
{
	echo
	echo "raw runs: label, wall s, cpu s, peak RSS KiB, user s, sys s, others' cpu s"
	cat "$RAW"
} >> "$REPORT"
rm -f "$RAW"
sed '/^raw runs/,$d' "$REPORT"
echo "saved to $REPORT"
