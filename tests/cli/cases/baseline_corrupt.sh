# Truncated, flipped, foreign, missing baselines: exit 2, clear message.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
size=$(stat -c %s b.imdb)
head -c $((size / 2)) b.imdb > trunc.imdb
imscan check -b trunc.imdb > out.json; echo "truncated: $? events: $(wc -l < out.json)"
cp b.imdb flip.imdb
printf '\001' | dd of=flip.imdb bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
imscan check -b flip.imdb > out.json; echo "flipped: $? events: $(wc -l < out.json)"
echo 'not a baseline' > text.imdb
imscan check -b text.imdb; echo "foreign: $?"
imscan check -b missing.imdb; echo "missing: $?"
: > empty.imdb
imscan check -b empty.imdb; echo "empty: $?"
imscan show trunc.imdb > /dev/null; echo "show truncated: $?"
