# --update keeps the baseline current (here inside the watched tree: its own
# writes are never reported), so that a check afterwards is clean.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
need_root "fanotify"
WATCH_BACKEND=fanotify
WATCH_BASELINE=root/data/base.imdb
mktree
watch_rule
imscan baseline -r rule.json --root root -b root/data/base.imdb 2>/dev/null
watch_start --update --update-interval 1
touch stamp
step 1 sh -c 'echo one >> root/data/a.txt'
step 1 rm root/data/b.txt
step 1 sh -c 'echo new > root/data/new.txt'
sleep 1.5
find root/data -newer stamp -name 'base.imdb*'
step 1 chmod 600 root/data/new.txt
watch_stop 2> stop.err
sed 's/ in [0-9.]*s;/ in Ts;/' stop.err >&2
imscan check -q -b root/data/base.imdb
echo "check: $?"
