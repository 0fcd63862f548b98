# A full disk while writing: the baseline directory is a 128 KiB tmpfs
# and the new baseline does not fit. The error names the file and the
# reason, the exit status is 2, the old baseline is intact and no
# temporary file is left behind.
. "$TESTS_CLI/lib.sh"
need_root "mount -t tmpfs"
mktree; data_rule
mkdir bdir
trap 'umount bdir 2>/dev/null' EXIT
mount -t tmpfs -o size=128k,mode=0700 tmpfs bdir 2>/dev/null ||
	{ echo "needs root: cannot mount a tmpfs here" >&2; exit 77; }
imscan baseline -r rule.json --root root -b bdir/b.imdb 2>base.err; echo "small baseline: $?"
untime < base.err >&2
cp bdir/b.imdb before.imdb
# 6,000 files of distinct content: their hashes alone are 188 KiB.
perl -e 'for $d (1 .. 6) { mkdir "root/data/d$d"; for (1 .. 1000) {
	open(F, ">", "root/data/d$d/f$_") or die; print F "$d/$_\n"; close F } }'
imscan baseline -r rule.json --root root -b bdir/b.imdb; echo "big baseline: $?"
imscan check -b bdir/b.imdb -q --update > /dev/null; echo "check --update: $?"
cmp bdir/b.imdb before.imdb && echo "old baseline intact"
imscan show bdir/b.imdb | tail -n +2 | wc -l
ls -a bdir
