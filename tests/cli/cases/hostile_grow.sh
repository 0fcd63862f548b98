# A log that grows while it is hashed. Each read of it is checked against
# a fresh statx; a writer appending all the while moves its size, mtime
# and ctime during every one of the four reads, so:
# - baseline records it with the error "file changed while being hashed"
#   and no hash (never a hash of bytes the file never held), counts it as
#   unreadable and exits 0;
# - check reports it as one "unreadable" event with that error, exit 1;
# - once the writer stops, a check against that baseline reports size,
#   times and the hash that was missing, and a new baseline holds the hash
#   of the file as it is.
# The hashed megabytes in the baseline summaries vary with the re-reads.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
head -c 64M /dev/zero | tr '\0' 'a' > root/data/log
base
size=$(stat -c %s root/data/log)
(while [ ! -e stop ]; do echo "appended line of the log file" >> root/data/log; done) & pid=$!
# Not a read before the writer's first append.
while [ "$(stat -c %s root/data/log)" = "$size" ]; do sleep 0.01; done
summary() {
	sed 's/ [0-9.]* MB hashed/ N MB hashed/' base.err | untime >&2
}
for i in 1 2 3; do
	imscan baseline -r rule.json --root root -b b$i.imdb 2>base.err; echo "baseline $i: $?"
	summary
	imscan show b$i.imdb | jq -c 'select(.key == "/data/log") | [.error, .sha256, .size > 67108864]'
done
imscan check -b b.imdb > ev.json 2>check.err; echo "check while it grows: $?"
untime < check.err >&2
jq -c '[.action, .key, .error, .new.sha256, .new.size > 67108864]' ev.json
touch stop; wait $pid
imscan check -b b1.imdb -q > ev.json; echo "check against baseline 1: $?"
brief < ev.json
imscan baseline -r rule.json --root root -b b.imdb 2>base.err; echo "baseline: $?"
summary
imscan show b.imdb | jq -r 'select(.key == "/data/log") | .sha256' > got.txt
sha256sum < root/data/log | cut -d' ' -f1 | cmp - got.txt && echo "the hash of the log as it is"
