# The whole event, exactly, for a modified, an added and a removed file.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
echo changed > root/data/b.txt; touch -d '2026-02-02 00:00:00' root/data/b.txt
rm root/data/sub/c.txt; ln -s /etc/passwd root/data/evil
imscan check -b b.imdb -q | events |
	jq -c 'del(.old.ctime, .new.ctime, .old.inode, .new.inode, .new.uid, .new.gid, .old.uid, .old.gid)
	       | if .action == "added" then del(.new.mtime) else . end'
