# A file replaced by a directory is one modified event (type among changed).
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
rm root/data/b.txt; mkdir root/data/b.txt
chk
jq -c '[.old.type, .new.type]' ev.json
