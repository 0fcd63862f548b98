# A -b that is a symbolic link is refused by every writer (baseline and
# check --update), before anything is created: rename(2) would replace
# the link (as root, `-b /dev/stdout` replaced /dev/stdout), not write
# where it points. A -b that is no regular file is refused too.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
ln -s b.imdb link.imdb
imscan baseline -r rule.json --root root -b link.imdb; echo "baseline -b link: $?"
imscan check -b link.imdb -q --update; echo "check --update -b link: $?"
[ -L link.imdb ] && echo "still a link"
[ -e link.imdb.lock ] || echo "no lock file beside it"
ln -s /dev/null null.imdb
imscan baseline -r rule.json --root root -b null.imdb; echo "baseline -b link to /dev/null: $?"
mkfifo fifo.imdb
imscan baseline -r rule.json --root root -b fifo.imdb; echo "baseline -b fifo: $?"
imscan check -b link.imdb -q; echo "plain check -b link: $?"
