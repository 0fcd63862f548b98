. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
ln root/data/a.txt root/data/sub/hard
chk
