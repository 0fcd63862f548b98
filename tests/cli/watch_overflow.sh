# The body of watch_overflow and watch_overflow_inotify: 20,000 files made
# while the watcher is stopped overflow the kernel's queue (16,384 events by
# default); the overflow event comes, and every file is still reported, once.
need_root "watch as root (fanotify, and a queue of the default size)"
mktree
watch_rule
mkdir root/data/many
base >/dev/null 2>&1
watch_start
kill -STOP "$WPID"
(cd root/data/many && seq 1 20000 | xargs touch)
rm root/data/b.txt
kill -CONT "$WPID"
wait_events 20002
# The mark covers the whole file system, which others may be writing to
# meanwhile: the queue may overflow more than once. The directory itself may
# be modified too (ext4 indexes it: "flags").
jq -c 'select(.action == "overflow")' w.json | events | uniq -c | sed 's/^ *[0-9]* //'
jq -r 'select(.action == "added") | .key' w.json | wc -l
jq -r 'select(.action == "added") | .key' w.json | sort -u | wc -l
jq -c 'select(.action == "removed") | .key' w.json
jq -c 'select(.action == "modified" and .key != "/data/many")' w.json
watch_stop 2> stop.err
grep -c '^imscan: watch: 20000 added, 1 removed[,;] .* in [0-9.]*s; [0-9]* overflows*$' stop.err
