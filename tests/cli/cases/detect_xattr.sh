. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
setfattr -n user.note -v hello root/data/a.txt 2>/dev/null ||
	{ echo "file system without user xattrs" >&2; exit 77; }
chk
jq -c '.new.xattrs | keys' ev.json
