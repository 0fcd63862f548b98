#!/bin/sh
# bench/run.sh - `make bench`: imscan against AIDE and against the floor,
# on a warm page cache (re-read before every timed run: see bench/lib.sh).
#
# What is measured (median of BENCH_RUNS runs, default 3; each figure is
# the median of its own column; GNU time: wall seconds, user+sys CPU
# seconds, peak RSS):
#
#   on the corpus (bench/corpus.sh main: a copy of /usr/bin /usr/lib
#   /usr/share /usr/include /etc, or a synthetic tree), with one rule
#   covering the whole tree with STANDARD attributes (bench/rules/bench.json,
#   sha256), --root TREE:
#     imscan baseline; imscan check of the unchanged tree; imscan check after
#     100 changes (bench/mutate.sh: 50 appends, 25 chmods, 25 new files;
#     undone after each run); imscan check --quick (n/a if the option is
#     missing), unchanged and changed;
#     aide --init, aide --check (unchanged and changed) with an equivalent
#     configuration (p+i+n+u+g+s+m+c+l+sha256 and xattrs, acl, selinux,
#     caps, e2fsattrs where the build has them; num_workers = CPUs;
#     root_prefix = the tree; gzip database);
#     the floor: a metadata walk (find -printf '%p %s %T@'), reading every
#     file (xargs -P CPUs cat), sha256 of every file (xargs -P CPUs openssl
#     dgst), and the pure hashing time: bytes / (openssl speed sha256
#     single-core rate x CPUs).
#       FLOOR = max(walk, read, bytes / (sha256 rate x CPUs))
#     the least any tool that walks, reads and hashes everything can take
#     (it is not reachable: read and hash CPU add up; it is the target's unit).
#   on the memory-scaling trees (10k, 100k, 1M files of a few bytes, 1000
#   per directory): imscan baseline and check, wall, peak RSS, microseconds
#   per entry, baseline bytes per entry; and the metadata walk for scale.
#
# Prints two tables and the goals of issue 3 with PASS/FAIL; saves them and
# every raw run to bench/results/<date>.txt.
#
# Environment: IMSCAN (binary, default ./imscan), BENCH_DIR (default
# /var/tmp/imscan-bench), BENCH_RUNS (3), BENCH_QUICK=1 (only /usr/include
# and /etc, scaling trees 10k and 100k: for CI, under 2 minutes),
# BENCH_SYNTHETIC=1 (see bench/corpus.sh).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$HERE/lib.sh"

setup_tools
STAMP=$(date -u +%Y%m%d-%H%M%S)
RAW="$WORK/raw-$STAMP.tsv"
REPORT="$RESULTS/$STAMP.txt"
OUT="$WORK/events.jsonl"
SCALE_INFO="$WORK/scale-$STAMP.txt"
: > "$RAW"
: > "$SCALE_INFO"

TREE=$(sh "$HERE/corpus.sh" main)
MUT="$WORK/mutate-$(basename "$TREE")"
if [ "$BENCH_QUICK" = 1 ]; then
	SCALES="10000 100000"
else
	SCALES="10000 100000 1000000"
fi
for n in $SCALES; do
	sh "$HERE/corpus.sh" scale "$n" > /dev/null
done

# A run interrupted half-way leaves the tree changed: undo that first.
sh "$HERE/mutate.sh" restore "$TREE" "$MUT"
trap 'sh "$HERE/mutate.sh" restore "$TREE" "$MUT"' EXIT
trap 'exit 130' INT TERM

QUICK=0
if "$IMSCAN" help check 2>&1 | grep -q -- --quick; then
	QUICK=1
fi
[ "$HAVE_AIDE" = 1 ] && write_aide_conf "$TREE"

say "warming the page cache with $TREE"
warm "$TREE"
WARM_TREE=$TREE
read -r ENTRIES FILES BYTES <<EOF
$(tree_stats "$TREE")
EOF
# openssl speed prints k = 1000 bytes per second.
RATE=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null |
	awk '$1 == "sha256" { sub(/k$/, "", $2); print $2 * 1000 }')
HASH_S=$(calc '%.2f' a/b/c "$BYTES" "$RATE" "$NPROC")

say "floor: $ENTRIES entries, $FILES files, $BYTES bytes"
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	timeit "floor walk" 0 /dev/null find "$TREE" -printf '%p %s %T@\n'
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeit "floor read" 0 /dev/null sh -c \
		'find "$1" -type f -print0 | xargs -0 -r -P"$2" -n 200 cat' sh "$TREE" "$NPROC"
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeit "floor sha256 dgst" 0 /dev/null sh -c \
		'find "$1" -type f -print0 | xargs -0 -r -P"$2" -n 200 openssl dgst -sha256' \
		sh "$TREE" "$NPROC"
done

IMDB="$WORK/bench.imdb"
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	say "run $i of $BENCH_RUNS on $TREE"
	timeit "imscan baseline" 0 /dev/null "$IMSCAN" baseline -r "$RULES" -b "$IMDB" --root "$TREE"
	IM_ENTRIES=$(sed -n 's/^imscan: baseline: \([0-9]*\) entries.*/\1/p' "$WORK/stderr")
	timeit "imscan check" "0" "$OUT" "$IMSCAN" check -b "$IMDB" --root "$TREE"
	if [ "$QUICK" = 1 ]; then
		timeit "imscan check --quick" "0" "$OUT" "$IMSCAN" check --quick -b "$IMDB" --root "$TREE"
	fi
	if [ "$HAVE_AIDE" = 1 ]; then
		timeit "aide --init" 0 "$WORK/aide-init.out" aide --init -c "$AIDE_CONF"
		mv "$WORK/aide.db.new.gz" "$AIDE_DB"
		AIDE_ENTRIES=$(sed -n 's/^Number of entries:[[:space:]]*\([0-9]*\).*/\1/p' "$WORK/aide-init.out")
		timeit "aide --check" "0" /dev/null aide --check -c "$AIDE_CONF"
	fi
	sh "$HERE/mutate.sh" apply "$TREE" "$MUT"
	timeit "imscan check, 100 changes" "1" "$OUT" "$IMSCAN" check -b "$IMDB" --root "$TREE"
	EVENTS=$(wc -l < "$OUT")
	if [ "$QUICK" = 1 ]; then
		timeit "imscan check --quick, 100 changes" "1" "$OUT" \
			"$IMSCAN" check --quick -b "$IMDB" --root "$TREE"
		QEVENTS=$(wc -l < "$OUT")
	fi
	if [ "$HAVE_AIDE" = 1 ]; then
		timeit "aide --check, 100 changes" "1 2 3 4 5 6 7" /dev/null aide --check -c "$AIDE_CONF"
	fi
	sh "$HERE/mutate.sh" restore "$TREE" "$MUT"
done
IMDB_BYTES=$(stat -c %s "$IMDB")
AIDE_BYTES=n/a
[ "$HAVE_AIDE" = 1 ] && AIDE_BYTES=$(stat -c %s "$AIDE_DB")

# ---- the scaling trees ----------------------------------------------------
for n in $SCALES; do
	st="$BENCH_DIR/scale-$n"
	db="$WORK/scale-$n.imdb"
	say "warming the page cache with $st"
	warm "$st"
	WARM_TREE=$st
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		timeit "scale $n walk" 0 /dev/null find "$st" -printf '%p %s %T@\n'
		timeit "scale $n baseline" 0 /dev/null "$IMSCAN" baseline -r "$RULES" -b "$db" --root "$st"
		timeit "scale $n check" 0 /dev/null "$IMSCAN" check -b "$db" --root "$st"
	done
	printf '%s %s %s\n' "$n" \
		"$(sed -n 's/^imscan: check: .*; \([0-9][0-9]*\) entries[ ,].*/\1/p' "$WORK/stderr")" \
		"$(stat -c %s "$db")" >> "$SCALE_INFO"
	rm -f "$db"
done

# ---- report ---------------------------------------------------------------
row() {
	# row LABEL AIDE-LABEL REFERENCE(seconds or "") [NOTE]
	w=$(median "$1" 2) c=$(median "$1" 3) r=$(median "$1" 4)
	ra=n/a
	[ -n "$2" ] && ra=$(calc '%.2f' a/b "$w" "$(median "$2" 2)")
	rf=n/a
	[ -n "$3" ] && rf=$(calc '%.2f' a/b "$w" "$3")
	printf '%-36s %8s %8s %9s %8s %9s %7s%s\n' "$1" "$w" "$c" "$(calc '%.1f' a/1024 "$r" 1)" \
		"$ra" "$rf" "$(median "$1" 7)" "${4:-}"
}

# scale_info N FIELD: 2 entries, 3 baseline bytes of the scaling tree N.
scale_info() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$SCALE_INFO"
}

WALK=$(median "floor walk" 2)
READ=$(median "floor read" 2)
FLOOR=$(calc '%.2f' max "$WALK" "$READ" "$HASH_S")

report() {
	echo "imscan benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $NPROC CPUs, $(uname -r)"
	echo "imscan: $(imscan_describe)"
	[ "$HAVE_AIDE" = 1 ] && echo "AIDE $(aide_version): $AIDE_ATTRS, num_workers=$NPROC"
	echo "corpus: $TREE ($(cat "$TREE.stamp")): $ENTRIES entries, $FILES files, $(calc '%.2f' a/b "$BYTES" 1e9) GB"
	echo "warm page cache; median of $BENCH_RUNS runs; RSS = peak resident set;"
	echo "others = CPU seconds used by other processes during the run (0 = a quiet machine)"
	echo
	printf '%-36s %8s %8s %9s %8s %9s %7s\n' "command" "wall s" "cpu s" "RSS MB" "vs AIDE" "vs floor" "others"
	row "imscan baseline" "aide --init" "$FLOOR"
	row "imscan check" "aide --check" "$FLOOR"
	row "imscan check, 100 changes" "aide --check, 100 changes" "$FLOOR" "  ($EVENTS events)"
	if [ "$QUICK" = 1 ]; then
		row "imscan check --quick" "aide --check" "$WALK" "  (vs walk)"
		row "imscan check --quick, 100 changes" "aide --check, 100 changes" "$WALK" \
			"  (vs walk; $QEVENTS events)"
	else
		printf '%-36s %8s\n' "imscan check --quick" "n/a (no --quick in this imscan)"
	fi
	if [ "$HAVE_AIDE" = 1 ]; then
		row "aide --init" "" "$FLOOR"
		row "aide --check" "" "$FLOOR"
		row "aide --check, 100 changes" "" "$FLOOR"
	fi
	row "floor walk" "" ""  "   find -printf '%p %s %T@'"
	row "floor read" "" ""  "   xargs -P$NPROC cat"
	row "floor sha256 dgst" "" "" "   xargs -P$NPROC openssl dgst -sha256"
	printf '%-36s %8s %8s %9s %8s %9s %7s   %s\n' "floor sha256 compute" "$HASH_S" "" "" "" "" "" \
		"bytes / ($(calc '%.2f' a/b "$RATE" 1e9) GB/s x $NPROC)"
	printf '%-36s %8s   %s\n' "FLOOR" "$FLOOR" "max(walk, read, sha256 compute)"
	echo
	im_pe=$(calc '%.1f' a/b "$IMDB_BYTES" "$IM_ENTRIES")
	ai_pe=n/a
	[ "$HAVE_AIDE" = 1 ] && ai_pe=$(calc '%.1f' a/b "$AIDE_BYTES" "$AIDE_ENTRIES")
	echo "database: imscan $IMDB_BYTES bytes / $IM_ENTRIES entries = $im_pe B/entry;" \
		"AIDE $AIDE_BYTES bytes / ${AIDE_ENTRIES:-n/a} entries = $ai_pe B/entry"
	echo
	printf '%-8s %8s | %8s %7s %8s | %8s %7s %8s | %8s | %7s\n' "tree" "entries" \
		"base s" "RSS MB" "us/ent" "check s" "RSS MB" "us/ent" "B/entry" "walk s"
	for n in $SCALES; do
		e=$(scale_info "$n" 2)
		b=$(scale_info "$n" 3)
		bw=$(median "scale $n baseline" 2) cw=$(median "scale $n check" 2)
		printf '%-8s %8s | %8s %7s %8s | %8s %7s %8s | %8s | %7s\n' "$n" "$e" \
			"$bw" "$(calc '%.1f' a/1024 "$(median "scale $n baseline" 4)" 1)" \
			"$(calc '%.2f' 'a*1e6/b' "$bw" "$e")" \
			"$cw" "$(calc '%.1f' a/1024 "$(median "scale $n check" 4)" 1)" \
			"$(calc '%.2f' 'a*1e6/b' "$cw" "$e")" \
			"$(calc '%.1f' a/b "$b" "$e")" "$(median "scale $n walk" 2)"
	done
	echo
	first=${SCALES%% *} last=${SCALES##* }
	e1=$(scale_info "$first" 2) e2=$(scale_info "$last" 2)
	rss1=$(median "scale $first check" 4) rss2=$(median "scale $last check" 4)
	rss_main=$(median "imscan check" 4)
	b_ratio=$(calc '%.2f' a/b "$(median "imscan baseline" 2)" "$FLOOR")
	c_ratio=$(calc '%.2f' a/b "$(median "imscan check" 2)" "$FLOOR")
	q_ratio=$(calc '%.2f' a/b "$(median "imscan check --quick" 2)" "$WALK")
	s_ratio=$(calc '%.2f' a/b "$rss2" "$rss1")
	upe_b=$(calc '%.2f' a/b "$(calc '%.4f' 'a*1e6/b' "$(median "scale $last baseline" 2)" "$e2")" \
		"$(calc '%.4f' 'a*1e6/b' "$(median "scale $first baseline" 2)" "$e1")")
	upe_c=$(calc '%.2f' a/b "$(calc '%.4f' 'a*1e6/b' "$(median "scale $last check" 2)" "$e2")" \
		"$(calc '%.4f' 'a*1e6/b' "$(median "scale $first check" 2)" "$e1")")
	# The smallest tree is dominated by start-up costs: also against the middle one.
	mid=$(echo "$SCALES" | awk '{ print $(NF - 1) }')
	em=$(scale_info "$mid" 2)
	upe_bm=$(calc '%.2f' a/b "$(calc '%.4f' 'a*1e6/b' "$(median "scale $last baseline" 2)" "$e2")" \
		"$(calc '%.4f' 'a*1e6/b' "$(median "scale $mid baseline" 2)" "$em")")
	upe_cm=$(calc '%.2f' a/b "$(calc '%.4f' 'a*1e6/b' "$(median "scale $last check" 2)" "$e2")" \
		"$(calc '%.4f' 'a*1e6/b' "$(median "scale $mid check" 2)" "$em")")
	echo "goals (issue 3)                              measured     goal   verdict"
	printf '%-44s %8s %8s   %s\n' "baseline / FLOOR" "$b_ratio" "<= 1.3" "$(verdict "$b_ratio" '<=' 1.3)"
	printf '%-44s %8s %8s   %s\n' "check (unchanged) / FLOOR" "$c_ratio" "<= 1.4" "$(verdict "$c_ratio" '<=' 1.4)"
	printf '%-44s %8s %8s   %s\n' "check --quick / walk" "$q_ratio" "<= 1.5" "$(verdict "$q_ratio" '<=' 1.5)"
	printf '%-44s %8s %8s   %s\n' "check peak RSS MB, corpus" "$(calc '%.1f' a/1024 "$rss_main" 1)" "<= 32" \
		"$(verdict "$(calc '%.1f' a/1024 "$rss_main" 1)" '<=' 32)"
	printf '%-44s %8s %8s   %s\n' "check peak RSS, $last / $first entries" "$s_ratio" "<= 1.5" "$(verdict "$s_ratio" '<=' 1.5)"
	printf '%-44s %8s %8s   %s\n' "baseline B/entry / AIDE B/entry" "$(calc '%.2f' a/b "$im_pe" "$ai_pe")" "<= 1.0" \
		"$(verdict "$(calc '%.2f' a/b "$im_pe" "$ai_pe")" '<=' 1.0)"
	printf '%-44s %8s %8s   %s\n' "baseline us/entry, $last / $first (flat)" "$upe_b" "<= 1.25" "$(verdict "$upe_b" '<=' 1.25)"
	printf '%-44s %8s %8s   %s\n' "check us/entry, $last / $first (flat)" "$upe_c" "<= 1.25" "$(verdict "$upe_c" '<=' 1.25)"
	if [ "$mid" != "$last" ]; then
		printf '%-44s %8s %8s   %s\n' "baseline us/entry, $last / $mid (flat)" "$upe_bm" "<= 1.25" "$(verdict "$upe_bm" '<=' 1.25)"
		printf '%-44s %8s %8s   %s\n' "check us/entry, $last / $mid (flat)" "$upe_cm" "<= 1.25" "$(verdict "$upe_cm" '<=' 1.25)"
	fi
}

report > "$REPORT"
{
	echo
	echo "raw runs: label, wall s, cpu s, peak RSS KiB, user s, sys s, others' cpu s"
	cat "$RAW"
} >> "$REPORT"
rm -f "$RAW" "$SCALE_INFO"
report_end=$(grep -n '^raw runs' "$REPORT" | cut -d: -f1)
head -n "$((report_end - 2))" "$REPORT"
echo
echo "saved to $REPORT"
