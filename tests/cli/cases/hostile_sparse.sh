# A 1 TiB sparse file (and a 64 GiB one that is all hole) must not take
# the ten minutes that hashing a TiB of zeros would: holes are hashed as
# run lengths (imscan(1), HARDENING). The hash is the documented zero-run
# encoding, recomputed here with python3; a byte written in the middle is
# a modification like any other.
. "$TESTS_CLI/lib.sh"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
mktree; data_rule
truncate -s 1T root/data/tera || { echo "cannot make a 1 TiB sparse file here" >&2; exit 77; }
printf 'x' | dd of=root/data/tera bs=1 seek=549755813888 conv=notrunc 2>/dev/null
truncate -s 64G root/data/hole
timeout 20 $IMSCAN_WRAP "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2>base.err
echo "baseline: $?"
untime < base.err >&2
imscan show b.imdb | tail -n +2 | jq -r 'select(.key == "/data/tera" or .key == "/data/hole") |
	"\(.key) \(.size) \(.sha256)"'
python3 - <<'PY'
import hashlib, struct
C = 65536
def digest(size, data):
    h = hashlib.sha256(b"imscan zero-run digest 1\n")
    pos = 0
    for i in sorted(data):
        if i > pos:
            h.update(b"Z" + struct.pack("<Q", i - pos))
        h.update(b"D" + data[i])
        pos = i + 1
    if size // C > pos:
        h.update(b"Z" + struct.pack("<Q", size // C - pos))
    return h.hexdigest()
mid = bytearray(C); mid[0] = ord("x")
print("/data/tera", 1 << 40, digest(1 << 40, {(1 << 39) // C: bytes(mid)}))
print("/data/hole", 64 << 30, digest(64 << 30, {}))
PY
printf 'y' | dd of=root/data/tera bs=1 seek=824633720832 conv=notrunc 2>/dev/null
timeout 20 $IMSCAN_WRAP "$IMSCAN" check -b b.imdb -q > ev.json; echo "check: $?"
brief < ev.json
