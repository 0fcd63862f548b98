# A baseline kept inside the scanned tree: the baseline file, its lock and
# its temporary files are never recorded nor reported (imscan 0.1.0
# reported them on every check --update), also when reached through a
# symlinked directory or a relative -b; a user's file of a similar name is.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
mkdir root/data/state
echo mine > root/data/state/b.imdb.old
ln -s root/data/state st
imscan baseline -r rule.json --root root -b root/data/state/b.imdb 2>base.err; echo "baseline: $?"
untime < base.err >&2
imscan show root/data/state/b.imdb | tail -n +2 | jq -r .key | grep state
for i in 1 2; do
	echo "change $i" >> root/data/a.txt
	imscan check -b st/b.imdb -q --update > ev.json; echo "check --update: $?"
	brief < ev.json
done
imscan check -b "$PWD/root/data/state/b.imdb" -q > ev.json; echo "check: $?"
brief < ev.json
ls root/data/state | tr '\n' ' '; echo
