# Corrupted baselines: truncated at every section boundary, bytes flipped
# in every section, wrong magic and version, lengths far beyond the
# bounds, foreign gzip framing, a text file, an empty and a missing one,
# and gzip bombs (1 GiB of zeros, also behind a valid preamble). Each is
# refused by check and show with exit 2 and a message naming the file and
# the problem, quickly and in little memory.
. "$TESTS_CLI/lib.sh"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
mktree; data_rule; base
python3 - <<'PY'
import struct, zlib
raw = open("b.imdb", "rb").read()
p = zlib.decompress(raw, 31)
hlen = struct.unpack("<I", p[13:17])[0]
h_end = 17 + hlen
tr = len(p) - 41			# 'E', count, digest
def gz(data):				# imscan's own gzip framing
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()
def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([v & 0x7f | 0x80]); v >>= 7
    return out + bytes([v])
def flip(b, i, bit=1):
    b = bytearray(b); b[i] ^= bit; return bytes(b)
cases = [
    ("raw-gzip-header-only", raw[:10]),
    ("raw-cut-early", raw[:30]),
    ("raw-cut-half", raw[:len(raw) // 2]),
    ("raw-no-gzip-trailer", raw[:-8]),
    ("raw-cut-last-byte", raw[:-1]),
    ("cut-in-magic", gz(p[:5])),
    ("cut-after-magic", gz(p[:9])),
    ("cut-in-preamble", gz(p[:15])),
    ("cut-in-header", gz(p[:17 + hlen // 2])),
    ("cut-after-header", gz(p[:h_end])),
    ("cut-in-record", gz(p[:h_end + 5])),
    ("cut-before-trailer", gz(p[:tr])),
    ("cut-in-count", gz(p[:tr + 4])),
    ("cut-in-digest", gz(p[:-16])),
    ("flip-in-header", gz(flip(p, p.index(b'"rules"') + 3))),	# "rumes"
    ("flip-in-record", gz(flip(p, h_end + 3))),
    ("flip-in-count", gz(flip(p, tr + 1))),
    ("flip-in-digest", gz(flip(p, len(p) - 1))),
    ("flip-block-type", flip(raw, 10, (raw[10] & 0x06) ^ 0x06)),	# BTYPE 11: reserved
    ("flip-gzip-crc", flip(raw, len(raw) - 6)),
    ("flip-gzip-length", flip(raw, len(raw) - 3)),
    ("wrong-magic", gz(flip(p, 1))),
    ("version-7", gz(p[:9] + struct.pack("<I", 7) + p[13:])),
    ("version-0", gz(p[:9] + struct.pack("<I", 0) + p[13:])),
    ("header-length-4GiB", gz(p[:13] + struct.pack("<I", 0xffffffff) + p[17:])),
    ("header-not-json", gz(p[:13] + struct.pack("<I", 5) + b"hello" + p[h_end:])),
    ("key-length-1TiB", gz(p[:h_end] + b"R" + varint(0) + varint(0) + varint(1 << 40) + b"/x")),
    ("value-length-1TiB", gz(p[:h_end] + b"R" + varint(0) + varint(0) + varint(2) + b"/x" +
                             varint(0) + varint(1 << 16) + varint(0) + varint(1 << 40))),
    ("entities-4G", gz(p[:h_end] + b"R" + varint(0) + varint(0) + varint(2) + b"/x" +
                       varint(1 << 32))),
    ("record-no-entity", gz(p[:h_end] + b"R" + varint(0) + varint(0) + varint(2) + b"/x" +
                            varint(0) + varint(0) + varint(0) + p[tr:])),
    ("record-entity-99", gz(p[:h_end] + b"R" + varint(0) + varint(0) + varint(2) + b"/x" +
                            varint(1) + varint(99) + varint(0) + varint(0) + p[tr:])),
    ("count-2^63", gz(p[:tr + 1] + struct.pack("<Q", 1 << 63) + p[tr + 9:])),
    ("trailing-garbage", raw + b"x"),
    ("two-gzip-members", raw + raw),
    ("gzip-with-name", b"\x1f\x8b\x08\x08" + raw[4:10] + b"b.imdb\0" + raw[10:]),
    ("not-gzip", p),
    ("text", b"not a baseline\n"),
    ("empty", b""),
]
for name, data in cases:
    open(name + ".imdb", "wb").write(data)
open("cases.txt", "w").write("".join(n + "\n" for n, _ in cases))

# Gzip bombs: 1 GiB of zeros, built from one full-flushed deflate chunk
# of 1 MiB repeated (so no time is spent compressing a GiB).
def bomb(prefix):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    z = bytes(1 << 20)
    crc = zlib.crc32(prefix)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    chunk = c.compress(z) + c.flush(zlib.Z_FULL_FLUSH)
    for _ in range(1024):
        crc = zlib.crc32(z, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + head + chunk * 1024 + c.flush() +
            struct.pack("<II", crc, (len(prefix) + (1 << 30)) & 0xffffffff))
open("bomb-zeros.imdb", "wb").write(bomb(b""))
open("bomb-huge-header.imdb", "wb").write(bomb(p[:13] + struct.pack("<I", 16 << 20)))
open("bomb-after-header.imdb", "wb").write(bomb(p[:h_end]))
open("cases.txt", "a").write("bomb-zeros\nbomb-huge-header\nbomb-after-header\n")
PY
# The tree changed since: a check that reported before the end of the
# verification (which runs beside the scan) would print events here.
printf 'changed\n' > root/data/a.txt
printf 'new\n' > root/data/new.txt
rm root/data/b.txt
while read -r c; do
	imscan check -b "$c.imdb" > out.json; echo "$c: $? events: $(wc -l < out.json)"
done < cases.txt
imscan check -q -b b.imdb | wc -l
imscan check -b missing.imdb; echo "missing: $?"
imscan show key-length-1TiB.imdb; echo "show: $?"
imscan show record-no-entity.imdb; echo "show: $?"
imscan show record-entity-99.imdb; echo "show: $?"
imscan show raw-cut-half.imdb > /dev/null; echo "show truncated: $?"
# Time and memory of the bombs (each file is about 1 MiB; `zcat FILE |
# wc -c` says 1 GiB and more), measured without $IMSCAN_WRAP.
for c in bomb-zeros bomb-huge-header bomb-after-header; do
	python3 - "$IMSCAN" "$c" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.run([sys.argv[1], "check", "-b", sys.argv[2] + ".imdb"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
secs = time.monotonic() - t0
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%s: %d" % (sys.argv[2], rc))
print("  refused in under 10 s, in under 128 MiB" if secs < 10 and kib < 128 * 1024
      else "  TOO SLOW OR TOO BIG: %.1f s, %d KiB" % (secs, kib))
PY
done
