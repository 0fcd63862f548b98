# Under `ulimit -n 64`, a 200-deep tree with a file at every level: the
# walker sizes its descriptors from RLIMIT_NOFILE, so the baseline is
# complete (imscan 0.1.0 recorded 114 of the 401 entries and exited 0).
# A walk that still runs out of descriptors exits 2, never 0 with
# subtrees missing.
. "$TESTS_CLI/lib.sh"
mkdir -p root/data
d=root/data
for i in $(seq 1 200); do d=$d/d; mkdir "$d"; echo "$i" > "$d/f"; done
data_rule
(ulimit -n 64; imscan baseline -r rule.json --root root -b b.imdb 2>base.err; echo "baseline: $?")
untime < base.err >&2
echo "records: $(imscan show b.imdb | tail -n +2 | wc -l)"
echo changed > "$d/f"
(ulimit -n 64; chk | sed 's/\(\/d\)\{200\}/\/d{x200}/')
# Far too few descriptors for the walk: a clear error and exit 2 (run
# without $IMSCAN_WRAP: valgrind needs descriptors of its own).
for n in 6 7 8 9 10; do
	prlimit --nofile=$n "$IMSCAN" baseline -r rule.json --root root -b c.imdb >out 2>err
	echo "-n $n: $?"
	grep -v 'warning: sandbox' err | sed 's/^imscan: cannot \(walk\|open\) .*: Too many open files$/imscan: cannot walk or open: Too many open files/'
done
