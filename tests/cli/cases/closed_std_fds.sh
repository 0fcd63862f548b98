# Issue 11 item 1: started with stdout and stderr closed, the lock file
# and the temporary baseline must not take descriptors 1 and 2, where a
# warning printed during the scan (here a bind mount loop) would land in
# the baseline. The baseline stays valid and holds no warning text.
. "$TESTS_CLI/lib.sh"
need_root "bind mounts"
mktree; data_rule
mkdir root/data/loop
mount --bind root/data root/data/loop 2>/dev/null ||
	{ echo "cannot bind mount here" >&2; exit 77; }
trap 'umount root/data/loop' EXIT
# With stderr open, the scan warns.
imscan baseline -r rule.json --root root -b warn.imdb 2>&1 >/dev/null | grep -c 'again'
imscan baseline -r rule.json --root root -b b.imdb >&- 2>&-; echo "baseline: $?"
imscan show -b b.imdb > show.json; echo "show: $?"
jq -r 'select(.key) | .key' show.json
if zcat b.imdb | grep -q 'again'; then echo "the warning is in the baseline"; else echo "no warning in the baseline"; fi
