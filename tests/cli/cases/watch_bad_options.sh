# watch's usage errors, and a baseline with nothing to watch.
. "$TESTS_CLI/lib.sh"
imscan watch --backend kqueue; echo "exit $?"
imscan watch --debounce soon; echo "exit $?"
imscan watch --poll 0; echo "exit $?"
imscan watch --update-intervl 5; echo "exit $?"
imscan watch extra; echo "exit $?"
imscan watch -b missing.imdb; echo "exit $?"
imscan watch --help | head -n 1; echo "exit $?"
mktree
data_rule
base >/dev/null 2>&1
imscan watch -b b.imdb; echo "exit $?"
