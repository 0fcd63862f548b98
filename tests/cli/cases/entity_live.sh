# Issue 12: the live-only kinds once through the real commands, each
# limited by include to what the test itself starts, so that nothing else
# running on the machine matters: a TCP listener on 127.0.0.1 (a free
# port), a copy of sleep named imscan-ptest, a tmpfs mounted in the scratch
# directory. A check while they run finds nothing (in the sandbox, which
# must not hide other processes' executables from it); stopped, three
# removed; started again, three added; a remount, the mount modified.
. "$TESTS_CLI/lib.sh"
need_root "mounts a tmpfs"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
[ -r /proc/net/tcp ] || { echo "needs /proc/net/tcp" >&2; exit 77; }
start() {	# [port]
	rm -f port.txt
	python3 - ${1:-0} > port.txt <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(120)
PY
	lpid=$!
	./imscan-ptest 120 &
	spid=$!
	mount -t tmpfs -o size=1m,mode=0700 imscan-ttest mnt
	while [ ! -s port.txt ]; do sleep 0.05; done
	# the copy of sleep has exec'd once its exe is itself
	while [ "$(readlink /proc/$spid/exe)" != "$PWD/imscan-ptest" ]; do sleep 0.05; done
}
stop() {
	kill $lpid $spid
	wait $lpid $spid 2>/dev/null
	umount mnt
}
cp "$(command -v sleep)" imscan-ptest
mkdir mnt
lpid= spid=
trap 'kill $lpid $spid 2>/dev/null; umount mnt 2>/dev/null' EXIT
start
port=$(cat port.txt)
cat > rule.json <<RULE
[{"id": "1", "name": "live", "entities": [
  {"type": "port", "include": ["tcp/127.0.0.1/$port"], "attributes": ["STANDARD", "user"]},
  {"type": "process", "include": ["$PWD/imscan-ptest"], "attributes": ["STANDARD", "user", "count"]},
  {"type": "mount", "include": ["$PWD/mnt"]}]}]
RULE
# The keys and values that vary from run to run.
local_names() {
	sed -e "s|$PWD|.|g" -e "s|/$port\"|/PORT\"|g" -e 's|"[0-9a-f]\{64\}"|"<digest>"|g' \
	    -e "s|\"exe\":\"/[^\"]*/python3[.0-9]*\"|\"exe\":\"<python3>\"|"
}
baseline() {
	imscan baseline -r rule.json -b b.imdb 2> base.err; echo "baseline: $?"
	untime < base.err >&2
}
check() {
	imscan check -b b.imdb > ev.json 2> sum.txt; echo "check: $?"
	untime < sum.txt >&2
	jq -c '{kind, action, key, changed, old, new}' ev.json | local_names
}
baseline
imscan show -b b.imdb | jq -c 'select(.kind) | del(.rules)' | local_names
check
stop
check
baseline
start $port
check
baseline
mount -o remount,ro,noexec mnt
check
