# Replaced by an identical copy: same content, new inode.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
cp -p root/data/a.txt root/data/a.new && mv root/data/a.new root/data/a.txt
chk
jq -c '.old.sha256 == .new.sha256' ev.json
