# A log that grows while it is hashed: each record gets either the error
# "file changed while being hashed" or a hash of a state the file really
# had (an append-only file's states are the prefixes of its last one),
# never a hash that matches no state. Three rounds, a writer appending all
# the while.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
head -c 16M /dev/zero | tr '\0' 'a' > root/data/log
(while [ ! -e stop ]; do echo "appended line of the log file" >> root/data/log; done) & pid=$!
for i in 1 2 3; do
	imscan baseline -r rule.json --root root -b b$i.imdb 2>/dev/null; echo "baseline $i: $?"
done
touch stop; wait $pid
for i in 1 2 3; do
	imscan show b$i.imdb | jq -r 'select(.key == "/data/log") | "\(.size) \(.sha256) \(.error)"'
done | while read -r size sha err; do
	if [ "$sha" = null ]; then
		echo "error: $err"
	elif [ "$(head -c "$size" root/data/log | sha256sum | cut -d' ' -f1)" = "$sha" ]; then
		echo "a hash of a real state"
	else
		echo "BAD: hash of no state at size $size"
	fi
done | sort | uniq -c | sed 's/^ *[0-9]* //' | grep -c BAD || true
