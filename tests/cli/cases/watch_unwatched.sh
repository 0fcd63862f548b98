# inotify out of watches: one warning, and the directories left out are
# re-scanned every --poll seconds.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
WATCH_BACKEND=inotify
mktree
watch_rule
mkdir -p root/data/sub/deeper
base >/dev/null 2>&1
watch_start --max-watches 1 --poll 1
step 1 sh -c 'echo more >> root/data/sub/c.txt'
step 1 sh -c 'echo new > root/data/sub/deeper/d.txt'
watch_stop
