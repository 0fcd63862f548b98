# --format text: one line per event, the process after it.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
need_root "fanotify"
WATCH_BACKEND=fanotify
mktree
watch_rule
base >/dev/null 2>&1
cp /bin/sh ./imscan-wtest
watch_start --format text
# the shell's own write (a builtin): the process is still there when read
./imscan-wtest -c 'echo more >> root/data/a.txt; sleep 0.5'
wait_events 1
sed 's/\[[0-9]*\] uid/[PID] uid/; s/20[0-9T:.-]*Z/TIME/g' w.json
watch_stop
