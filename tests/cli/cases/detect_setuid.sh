. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
chmod 4755 root/data/b.txt
chk
jq -c '[.old.mode, .new.mode]' ev.json
