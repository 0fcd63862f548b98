# Entities of other kinds in realtime rules are read again every --poll
# seconds and diffed the same way.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
WATCH_BACKEND=inotify
mkdir -p root/etc
printf 'root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n' > root/etc/passwd
cat > rule.json <<RULE
{"id": "9000003", "name": "users", "severity": "high", "realtime": true,
 "entities": [{"type": "user", "attributes": ["STANDARD"]}]}
RULE
base >/dev/null 2>&1
watch_start --poll 1
step 1 sh -c "echo 'eve:x:1001:1001::/home/eve:/bin/sh' >> root/etc/passwd"
step 1 sed -i 's/1000:1000/1000:100/' root/etc/passwd
watch_stop
