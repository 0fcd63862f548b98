# Changes under excluded patterns give no event; excluded dirs are not entered.
. "$TESTS_CLI/lib.sh"
mktree; mkdir -p root/data/skip; echo 1 > root/data/skip/x; echo 1 > root/data/w.tmp
data_rule; base
echo 2 > root/data/skip/x; echo 2 > root/data/w.tmp; echo 3 > root/data/skip/y
chk
imscan show b.imdb | jq -r 'select(.key) | .key'
