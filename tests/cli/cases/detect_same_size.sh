# Same-size content change with mtime restored: the hash and ctime tell.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
printf 'jello\n' > root/data/a.txt
touch -d '2026-01-01 00:00:00' root/data/a.txt
chk
