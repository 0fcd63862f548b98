# Least privilege on disk: whatever the umask, the baseline and its lock
# file are 0600 and a directory created for them 0700; a baseline that was
# 0644 becomes 0600 when rewritten; no file content is stored, only hashes.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
echo 'TOP-SECRET-PASSWORD-42' > root/data/secret
umask 000
imscan baseline -r rule.json --root root -b state/imscan/b.imdb 2>base.err; echo "baseline: $?"
untime < base.err >&2
stat -c '%a %n' state state/imscan state/imscan/b.imdb state/imscan/b.imdb.lock
chmod 644 state/imscan/b.imdb
echo more >> root/data/a.txt
imscan check -b state/imscan/b.imdb -q --update > /dev/null; echo "check --update: $?"
stat -c '%a %n' state/imscan/b.imdb state/imscan/b.imdb.lock
ls state/imscan
zcat state/imscan/b.imdb | grep -c 'TOP-SECRET' || true
