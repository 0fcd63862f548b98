# Two writers of one baseline: the second refuses at once, naming the
# first one's pid, and changes nothing; the first finishes normally. The
# first is a check --update whose events go to a pipe nobody reads yet,
# so it holds the lock for as long as the test needs.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
perl -e 'for (1 .. 1000) { open(F, ">", "root/data/new$_") or die; close F }'
cp b.imdb before.imdb
mkfifo ev.fifo
$IMSCAN_WRAP "$IMSCAN" check -b b.imdb -q --update > ev.fifo 2>first.err & first=$!
exec 3< ev.fifo
# It holds the lock once its pid is in the lock file.
n=0
while [ "$(head -n 1 b.imdb.lock 2>/dev/null)" != "$first" ] && [ $n -lt 3000 ]; do
	sleep 0.01; n=$((n + 1))
done
imscan baseline -r rule.json --root root -b b.imdb 2>second.err; echo "second writer, baseline: $?"
sed "s/(pid $first,/(pid FIRST,/" second.err
imscan check -b b.imdb -q --update > /dev/null 2>second.err; echo "second writer, check --update: $?"
sed "s/(pid $first,/(pid FIRST,/" second.err
cmp b.imdb before.imdb && echo "baseline untouched"
echo "events: $(wc -l <&3)"; exec 3<&-
wait $first; echo "first writer: $?"
cat first.err
imscan show b.imdb | tail -n +2 | wc -l
