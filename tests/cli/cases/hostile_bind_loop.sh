# A directory bind-mounted below itself (root/data on root/data/sub/loop),
# and the same again recursively: the walk must end and must not descend
# into a directory that is one of its own ancestors (same dev and inode):
# it is recorded, not descended, with a warning.
. "$TESTS_CLI/lib.sh"
need_root "bind mounts"
mktree; mkdir -p root/data/sub/loop root/data/sub/rloop
trap 'umount root/data/sub/rloop/sub/loop 2>/dev/null; umount root/data/sub/rloop 2>/dev/null;
	umount root/data/sub/loop 2>/dev/null' EXIT
mount --bind root/data root/data/sub/loop 2>/dev/null ||
	{ echo "needs root: cannot bind mount here (no CAP_SYS_ADMIN?)" >&2; exit 77; }
mount --rbind root/data root/data/sub/rloop
data_rule
timeout 60 $IMSCAN_WRAP "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2>base.err
echo "baseline: $?"
untime < base.err >&2
imscan show b.imdb | tail -n +2 | jq -c '[.key, .type]'
timeout 60 $IMSCAN_WRAP "$IMSCAN" check -b b.imdb -q >ev.json 2>check.err; echo "check: $?"
brief < ev.json; cat check.err
