# check verifies the baseline on a second thread while it scans; nothing
# may be reported before that verification ends. A large baseline whose
# last bytes (the digest) were tampered with, against a small tree whose
# first entries changed: a check that reported early would print their
# events long before the verification reached the end of the file.
. "$TESTS_CLI/lib.sh"
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 77; }
mktree; data_rule
python3 -c '
import os
os.mkdir("root/data/many")
for i in range(20000):
    os.close(os.open("root/data/many/f%05d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
'
base
python3 - <<'PY'
import zlib
p = bytearray(zlib.decompress(open("b.imdb", "rb").read(), 31))
p[-1] ^= 1				# the digest's last byte
c = zlib.compressobj(6, zlib.DEFLATED, 31)
open("t.imdb", "wb").write(c.compress(bytes(p)) + c.flush())
PY
cp t.imdb t.orig
printf 'changed\n' > root/data/a.txt
printf 'new\n' > root/data/aa.txt
rm -r root/data/many
for q in "" --quick; do
	imscan check $q -b t.imdb > out.json; echo "check $q: $? events: $(wc -l < out.json)"
done
imscan check --update -b t.imdb > out.json; echo "update: $? events: $(wc -l < out.json)"
cmp -s t.imdb t.orig && echo "tampered baseline left as it was"
ls t.imdb.* 2>/dev/null
# (Into a file first: a pipe closed early would kill imscan with SIGPIPE.)
imscan check -q -b b.imdb > all.json
brief < all.json | head -3
