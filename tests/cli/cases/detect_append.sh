. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
printf 'more\n' >> root/data/a.txt
chk
jq -c '[.old.size, .new.size]' ev.json
