# A check as nobody says what it did not read: every summary counts the
# entries not read and how many of them were not read at baseline either,
# -v names each one, and a new entry it cannot read is `added` with its
# stat and the error (so a filter on "added" sees it).
. "$TESTS_CLI/lib.sh"
nobody_baseline nb
asnobody "$IMSCAN" check -b nb/b.imdb -v > ev.json 2> check.err; echo "check unchanged: $?"
brief < ev.json
untime < check.err
printf 'key\n' > root/data/new.key; chmod 600 root/data/new.key
mkdir root/data/newdir; chmod 700 root/data/newdir
asnobody "$IMSCAN" check -b nb/b.imdb -v > ev.json 2> check.err; echo "check: $?"
untime < check.err
jq -c 'select(.action == "added") | [.key, .new.type, .new.mode, .new.size, .error]' ev.json
jq -c '.new | keys' ev.json
asnobody "$IMSCAN" check -b nb/b.imdb -q --format text; echo "check text: $?"
