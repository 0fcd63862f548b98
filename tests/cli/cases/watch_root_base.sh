# A realtime rule on "/" watches executables and scripts only.
. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
need_root "fanotify"
WATCH_BACKEND=fanotify
mkdir -p root/bin root/etc
printf '\177ELF' > root/bin/tool
chmod 755 root/bin/tool
printf '#!/bin/sh\n' > root/bin/script
printf 'conf\n' > root/etc/conf
cat > rule.json <<RULE
{"id": "9000004", "name": "everything", "severity": "high", "realtime": true,
 "entities": [{"type": "file", "base": "/", "attributes": ["STANDARD"]}]}
RULE
base >/dev/null 2>&1
watch_start
step 1 sh -c 'echo x >> root/bin/tool'
step 1 sh -c 'echo x >> root/bin/script'
step 0 sh -c 'echo x >> root/etc/conf'
step 1 chmod +x root/etc/conf
step 1 sh -c 'echo x >> root/etc/conf'
step 1 chmod -x root/bin/tool
watch_stop
