# A file replaced by a directory is one modified event (type among changed).
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
mkdir root/data/b.new; mv -T root/data/b.new root/data/b.txt 2>/dev/null || { rm root/data/b.txt; mv root/data/b.new root/data/b.txt; }
chk
jq -c '[.old.type, .new.type]' ev.json
