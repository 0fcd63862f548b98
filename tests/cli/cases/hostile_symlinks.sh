# Symlinks inside a --root image: loops, and links to /etc, to / and out
# through "..". None is ever followed while walking; bases that go through
# one resolve inside the image (keys stay inside, no host file appears).
. "$TESTS_CLI/lib.sh"
mktree
echo 'image passwd' > root/etc/passwd
cd root/data
ln -s loop1 loop2; ln -s loop2 loop1; ln -s self self
ln -s /etc etclink; ln -s / rootlink; ln -s ../../../../../../.. up
ln -s /etc/shadow shadow; mkdir dir; ln -s .. dir/parent
cd ../..
cat > rule.json <<'RULE'
[{"id": "1", "name": "data", "entities": [{"type": "file", "base": "/data"}]},
 {"id": "2", "name": "through /etc", "entities": [{"type": "file", "base": "/data/etclink/passwd"}]},
 {"id": "3", "name": "through /", "entities": [{"type": "file", "base": "/data/rootlink/etc/hostname"}]},
 {"id": "4", "name": "through ..", "entities": [{"type": "file", "base": "/data/up/etc/passwd"}]},
 {"id": "5", "name": "a link as base", "entities": [{"type": "file", "base": "/data/rootlink"}]}]
RULE
timeout 60 $IMSCAN_WRAP "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2>base.err; echo "baseline: $?"
untime < base.err >&2
imscan show b.imdb | tail -n +2 | jq -c '[.key, .rules, .type, .target, .size]'
# /etc/hostname exists on the host, not in the image: no record of it
imscan show b.imdb | tail -n +2 | grep -c hostname || true
# and no key outside what the rules name
imscan show b.imdb | tail -n +2 | jq -r .key | grep -c -v '^/data' || true
chk
rm root/etc/passwd; echo 'changed inside' > root/etc/passwd
chk
