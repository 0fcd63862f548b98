# SIGHUP reloads the baseline and its rules: what changed before is the new
# reference, and events name the new rule.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
need_root "fanotify"
WATCH_BACKEND=fanotify
mktree
watch_rule
base >/dev/null 2>&1
watch_start
step 1 sh -c 'echo one >> root/data/a.txt'
jq -r '.rule.id' w.json
sed -i 's/9000001/9000002/' rule.json
base >/dev/null 2>&1
kill -HUP "$WPID"
watch_ready 2
step 1 sh -c 'echo two >> root/data/b.txt'
step 1 sh -c 'echo three >> root/data/a.txt'
jq -r '.rule.id' w.json
watch_stop
