# The body of watch_events and watch_events_inotify: each change gives its
# exact event as it happens.
need_root "watch as root (chown, and fanotify)"
mktree
watch_rule
mkdir root/data/skip
base >/dev/null 2>&1
cp /bin/sh ./imscan-wtest
# ln -sf renames a temporary link over the old one: a loaded machine may
# pause it between the two for longer than a short debounce.
WATCH_DEBOUNCE=200
# Both confined: the exe comes from the exe reader (imscan(1), HARDENING).
watch_start
wstep 1 'echo more >> root/data/a.txt'
wstep 1 'echo new > root/data/new.txt'
# opened for writing and closed unchanged: the kernel reports it, nothing changed
step 0 sh -c ': >> root/data/a.txt; cat root/data/a.txt > /dev/null'
step 1 rm root/data/b.txt
# one file moved: one event with both names
step 1 mv root/data/new.txt root/data/moved.txt
# written under a temporary name and moved over: the target modified
wstep 1 'echo old > root/data/target.txt'
step 1 sh -c 'echo new > root/data/t.tmp && mv root/data/t.tmp root/data/target.txt'
step 1 chmod 600 root/data/moved.txt
step 1 chown 1234:5678 root/data/moved.txt
step 1 chmod u+s root/data/sub/c.txt
step 1 ln -sfn sub/c.txt root/data/link
step 2 sh -c 'mkdir root/data/later && echo in > root/data/later/f.txt'
step 4 mv root/data/later root/data/moved-dir
step 2 rm -r root/data/moved-dir
step 0 sh -c 'echo x > root/data/x.tmp; echo y > root/data/skip/y'
step 1 sh -c 'echo 1 >> root/data/sub/c.txt'
step 1 sh -c 'echo 2 >> root/data/sub/c.txt'
jq -c 'select(.action == "modified" and .key == "/data/moved.txt" and (.changed | index("uid")))
	| [.old.uid, .new.uid, .old.gid, .new.gid]' w.json
jq -c 'select(.key == "/data/link") | [.old.target, .new.target]' w.json
jq -c 'select(.key == "/data/sub/c.txt" and (.changed | index("mode"))) | [.old.mode, .new.mode]' w.json
jq -c 'select(.source != "watch")' w.json
watch_stop
