. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
printf 'x\n' > root/data/sub/new.conf
chk
jq -c '.new | [.type, .size, .sha256]' ev.json
