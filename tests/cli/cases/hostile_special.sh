# FIFOs (one with a writer waiting), a unix socket, and device nodes of
# /dev/zero, /dev/null, /dev/tty and a disk: recorded with their type and
# device number, never opened (a read of /dev/zero would never end, an
# open of the FIFO would block), and the scan does not hang.
. "$TESTS_CLI/lib.sh"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
need_root "mknod"
mktree; data_rule
cd root/data
mkfifo fifo fifo-busy
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock")'
mknod zero c 1 5 && mknod null c 1 3 && mknod tty c 5 0 && mknod disk b 7 0
cd ../..
# A writer blocks on the FIFO until a reader opens it; if imscan opened it,
# the writer would finish and say so.
(echo written > root/data/fifo-busy; echo "a writer got through" > writer.out) &
writer=$!
timeout 20 $IMSCAN_WRAP "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2>base.err
echo "baseline: $?"
untime < base.err >&2
imscan show b.imdb | tail -n +2 | jq -c 'select(.type != "regular" and .type != "dir") |
	[.key, .type, .rdev, .size, .sha256, .error]'
timeout 20 $IMSCAN_WRAP "$IMSCAN" check -b b.imdb -q > ev.json; echo "check: $?"
cat ev.json
kill $writer 2>/dev/null; wait $writer 2>/dev/null
cat writer.out 2>/dev/null || echo "no reader ever opened the FIFO"
