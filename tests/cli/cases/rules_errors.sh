# Rule errors stop baseline and lint with exit 2, naming file, rule and field.
. "$TESTS_CLI/lib.sh"
mkdir -p root/etc rules
echo '{"id":"1","name":"typo","entities":[{"type":"file","base":"/etc","atributes":["STANDARD"]}]}' > rules/a.json
echo '{"id":"2","name":"bad attr","entities":[{"type":"file","base":"/etc","attributes":["sha257"]}]}' > rules/b.json
echo '{"id":"3","name":"ok","entities":[{"type":"file","base":"/etc"}]}' > rules/c.json
echo '{"id":"3","name":"dup","entities":[{"type":"file","base":"/etc"}]}' > dup.json
printf '{"id":"4",\n "name": oops}\n' > bad.json
imscan rules lint -r rules; echo "lint: $?"
imscan baseline -r rules/a.json --root root -b b.imdb; echo "baseline: $? $(ls b.imdb 2>&1 | wc -l)"
imscan rules lint -r rules/c.json -r dup.json; echo "dup: $?"
imscan rules lint -r bad.json; echo "syntax: $?"
imscan rules lint -r rules/c.json; echo "good: $?"
