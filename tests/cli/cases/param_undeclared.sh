# Issue 11 item 8: a --param that no loaded rule declares is an error, in
# baseline and rules lint alike (it used to fall back to the default).
. "$TESTS_CLI/lib.sh"
mktree
cat > web.json <<'RULE'
{"id": "9000002", "name": "web", "severity": "high",
 "params": {"dir": {"description": "web root", "default": "/data"}},
 "entities": [{"type": "file", "base": "${dir}"}]}
RULE
imscan baseline -r web.json --root root -b b.imdb --param dri=/srv; echo "baseline dri: $?"
imscan rules lint -r web.json --param dri=/srv; echo "lint dri: $?"
imscan rules list -r web.json --param dri=/srv -f text; echo "list dri: $?"
imscan baseline -r web.json --root root -b b.imdb --param dir=/etc 2> err
echo "baseline dir: $?"; sed 's/ in [0-9.]*s$//' err >&2
imscan rules lint -r web.json --param dir=/etc; echo "lint dir: $?"
