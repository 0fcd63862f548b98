# An image's /run, /dev, /proc and /sys are ordinary directories: they are
# checked like any other (only pseudo file systems, by type, and /dev and
# /run mount points are not descended; see imscan(1), WHAT IS NOT WALKED).
. "$TESTS_CLI/lib.sh"
mkdir -p root/run/x root/dev/shm root/proc/1 root/sys/kernel
echo p > root/run/x/p
echo status > root/proc/1/status
echo k > root/sys/kernel/k
cat > rule.json <<'RULE'
{"id": "9000002", "name": "whole image", "severity": "high",
 "entities": [{"type": "file", "base": "/", "attributes": ["type", "size", "sha256"]}]}
RULE
base
imscan show b.imdb | tail -n +2 | jq -r .key
echo changed > root/run/x/p
echo new > root/dev/shm/new
echo other > root/proc/1/status
rm root/sys/kernel/k
chk
