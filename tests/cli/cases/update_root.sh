# check --update --root records the new root: the next plain check uses it.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
cp -a root new
echo changed > new/data/b.txt
imscan check -b b.imdb --root new -q --update > /dev/null 2> err; echo "update: $?"
sed "s|$PWD|.|g" err >&2
imscan show b.imdb | head -n 1 | jq -r '.root | sub(".*/"; "")'
chk
