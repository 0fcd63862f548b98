# check --quick trusts type, size, mtime, ctime, inode and device; any
# change to content, xattrs or flags moves ctime, so it still sees them.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
chk --quick
printf 'jello\n' > root/data/a.txt
touch -d '2026-01-01 00:00:00' root/data/a.txt
chmod 600 root/data/b.txt
setfattr -n user.x -v 1 root/data/sub/c.txt 2>/dev/null || echo skip > /dev/null
chk --quick | grep -v '"/data/sub/c.txt"'
# the same events as a full check
imscan check -b b.imdb -q | brief | grep -v '"/data/sub/c.txt"'
# --update with --quick keeps the hashes it did not re-read
chk --quick --update > /dev/null
imscan check -b b.imdb -q; echo "full check after quick update: $?"
imscan show b.imdb | jq -r 'select(.key == "/data/a.txt" or .key == "/data/b.txt") | .sha256'
