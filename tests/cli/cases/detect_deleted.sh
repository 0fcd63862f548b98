. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
rm root/data/b.txt
chk
jq -c '.old | [.type, .size]' ev.json
