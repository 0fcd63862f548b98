# Issue 10 item 7: a reader that goes away (check | head -1) ends the run
# with exit status 2 and no message; SIGPIPE is not a death (141).
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
for i in $(seq 1 3000); do echo "$i" > "root/data/new$i"; done
{ imscan check -b b.imdb --format json 2>check.err; echo "check: $?" > rc; } | head -n 1 | jq -r .action
cat rc check.err
imscan baseline -r rule.json --root root -b big.imdb 2>/dev/null
{ imscan show -b big.imdb 2>show.err; echo "show: $?" > rc; } | head -c 10 > /dev/null
cat rc show.err
