. "$TESTS_CLI/lib.sh"
need_root "chown to another user"
mktree; data_rule; base
chown 1234:5678 root/data/b.txt
chk
jq -c '[.new.uid, .new.gid]' ev.json
