# A check as nobody says what it did not read: every summary counts the
# entries not read and how many of them were not read at baseline either,
# -v names each one, and a new entry it cannot read is `added` with its
# stat and the error (so a filter on "added" sees it).
. "$TESTS_CLI/lib.sh"
need_root "to run imscan as nobody"
command -v setpriv > /dev/null || { echo "setpriv missing" >&2; exit 77; }
mktree; data_rule
chmod 755 .. . root root/data root/data/sub
printf 'secret\n' > root/data/secret; chmod 600 root/data/secret
mkdir root/data/locked; echo x > root/data/locked/inside; chmod 700 root/data/locked
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
touch b.imdb; chmod 777 .
asnobody "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2> base.err; echo "baseline: $?"
sed 's/in [0-9.]*s/in Ts/; s/[0-9.]* MB/N MB/; s|to .*b.imdb|to b.imdb|' base.err
asnobody "$IMSCAN" check -b b.imdb -v > ev.json 2> check.err; echo "check unchanged: $?"
brief < ev.json
untime < check.err
printf 'key\n' > root/data/new.key; chmod 600 root/data/new.key
mkdir root/data/newdir; chmod 700 root/data/newdir
asnobody "$IMSCAN" check -b b.imdb -v > ev.json 2> check.err; echo "check: $?"
untime < check.err
jq -c 'select(.action == "added") | [.key, .new.type, .new.mode, .new.size, .error]' ev.json
jq -c '.new | keys' ev.json
asnobody "$IMSCAN" check -b b.imdb -q --format text; echo "check text: $?"
