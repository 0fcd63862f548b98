#!/bin/sh
# bench/corpus.sh - builds the trees `make bench` measures, once (idempotent).
#
#   sh bench/corpus.sh main       the benchmark corpus; prints its path
#   sh bench/corpus.sh scale N    N small files (N/1000 dirs x 1000, or 1 x N
#                                 below 1000); prints its path
#   sh bench/corpus.sh all        main, then the memory-scaling trees
#                                 (10k, 100k, 1M; with BENCH_QUICK=1 10k, 100k)
#
# The main corpus is a copy (cp -a: modes, owners, times, xattrs, ACLs,
# capabilities, hard links) of /usr/bin /usr/lib /usr/share /usr/include
# /etc into $BENCH_DIR/tree/usr/bin ... $BENCH_DIR/tree/etc. With
# BENCH_QUICK=1 only /usr/include and /etc are copied (tree-quick/). With
# BENCH_SYNTHETIC=1, or when those directories hold fewer than 20000
# entries, it is a seeded synthetic tree instead (bench/gen.c: realistic
# size mix, BENCH_SYNTH_FILES entries, default 150000, 15000 quick).
#
# Each tree has a stamp file saying what it was built from; a tree whose
# stamp matches is reused, any other is removed and built again.
#
# Environment: BENCH_DIR (default /var/tmp/imscan-bench), BENCH_QUICK,
# BENCH_SYNTHETIC, BENCH_SYNTH_FILES, BENCH_SEED (default 42), CC.
# Progress goes to stderr, the path of the tree to stdout.
set -eu

BENCH_DIR=${BENCH_DIR:-/var/tmp/imscan-bench}
BENCH_QUICK=${BENCH_QUICK:-0}
BENCH_SYNTHETIC=${BENCH_SYNTHETIC:-0}
BENCH_SEED=${BENCH_SEED:-42}
HERE=$(cd "$(dirname "$0")" && pwd)
FULL_DIRS="usr/bin usr/lib usr/share usr/include etc"
QUICK_DIRS="usr/include etc"
MIN_ENTRIES=20000

say() {
	echo "corpus: $*" >&2
}

die() {
	say "$*"
	exit 2
}

# The generator, compiled into the bench directory when missing or stale.
gen_bin() {
	g="$BENCH_DIR/gen"
	if [ ! -x "$g" ] || [ -n "$(find "$HERE/gen.c" -newer "$g")" ]; then
		say "compiling $g"
		${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$g.tmp" "$HERE/gen.c" -lm ||
			die "cannot compile bench/gen.c"
		mv "$g.tmp" "$g"
	fi
	echo "$g"
}

# True if tree $1 exists and its stamp says $2.
fresh() {
	[ -d "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]
}

count_entries() {
	n=0
	for d in "$@"; do
		[ -d "/$d" ] || continue
		k=$(find "/$d" 2>/dev/null | wc -l)
		n=$((n + k))
	done
	echo "$n"
}

build_main() {
	if [ "$BENCH_QUICK" = 1 ]; then
		dirs=$QUICK_DIRS
		files=${BENCH_SYNTH_FILES:-15000}
		suffix=-quick
	else
		dirs=$FULL_DIRS
		files=${BENCH_SYNTH_FILES:-150000}
		suffix=
	fi
	synth=$BENCH_SYNTHETIC
	if [ "$synth" != 1 ]; then
		# Judged on the full set: quick mode copies a part of it.
		# shellcheck disable=SC2086 # word splitting of the list is meant
		n=$(count_entries $FULL_DIRS)
		if [ "$n" -lt "$MIN_ENTRIES" ]; then
			say "only $n entries in $FULL_DIRS: using a synthetic tree"
			synth=1
		fi
	fi
	if [ "$synth" = 1 ]; then
		tree="$BENCH_DIR/tree-synth$suffix"
		stamp="synthetic v1 seed=$BENCH_SEED files=$files"
	else
		tree="$BENCH_DIR/tree$suffix"
		stamp="copy v1 of $dirs"
	fi
	if fresh "$tree" "$stamp"; then
		say "reusing $tree ($stamp)"
		echo "$tree"
		return
	fi
	rm -rf "$tree" "$tree.stamp"
	mkdir -p "$tree"
	if [ "$synth" = 1 ]; then
		g=$(gen_bin)
		say "generating $tree: $files entries, seed $BENCH_SEED"
		"$g" mix "$tree/usr" "$BENCH_SEED" "$files"
	else
		for d in $dirs; do
			[ -d "/$d" ] || continue
			say "copying /$d"
			mkdir -p "$tree/$(dirname "$d")"
			# Not being root, some files cannot be read: copy the rest.
			cp -a "/$d" "$tree/$d" || say "warning: part of /$d was not copied"
		done
	fi
	echo "$stamp" > "$tree.stamp"
	echo "$tree"
}

build_scale() {
	n=$1
	case $n in
	'' | *[!0-9]*) die "scale: not a number: '$n'" ;;
	esac
	if [ "$n" -ge 1000 ]; then
		ndirs=$((n / 1000))
		per=1000
	else
		ndirs=1
		per=$n
	fi
	tree="$BENCH_DIR/scale-$n"
	stamp="flat v1 $ndirs x $per"
	if fresh "$tree" "$stamp"; then
		say "reusing $tree ($stamp)"
		echo "$tree"
		return
	fi
	rm -rf "$tree" "$tree.stamp"
	mkdir -p "$tree"
	g=$(gen_bin)
	say "generating $tree: $ndirs directories x $per files"
	"$g" flat "$tree" "$ndirs" "$per"
	echo "$stamp" > "$tree.stamp"
	echo "$tree"
}

mkdir -p "$BENCH_DIR"
case ${1:-all} in
main)
	build_main
	;;
scale)
	[ $# -eq 2 ] || die "usage: corpus.sh scale N"
	build_scale "$2"
	;;
all)
	build_main
	build_scale 10000
	build_scale 100000
	[ "$BENCH_QUICK" = 1 ] || build_scale 1000000
	;;
*)
	die "usage: corpus.sh [main | scale N | all]"
	;;
esac
