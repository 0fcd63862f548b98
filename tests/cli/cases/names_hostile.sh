# Non-UTF-8 and control characters in names: JSON stays valid and lossless,
# text output never carries a raw control character.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
cd root/data
touch "$(printf 'bad\377name')" "$(printf 'new\nline')" "$(printf 'esc\033[31mred')" "$(printf 'caf\303\251')"
cd ../..
chk
echo "valid JSON lines: $(jq -c . ev.json | wc -l)"
# every key recovers exactly: base64 when lossy, else the string
jq -r '.key_b64 // (.key | @base64)' ev.json | while read -r b; do
	printf '%s' "$b" | base64 -d | od -An -c | tr -s ' ' | sed 's/^ //'
done
imscan check -b b.imdb -q --format text > ev.txt
echo "text check: $?"
cat ev.txt
LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177]')" ev.txt
