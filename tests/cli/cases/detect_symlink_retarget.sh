. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
ln -sfn b.txt root/data/link
chk
jq -c '[.old.target, .new.target]' ev.json
