# A re-baseline without -r repeats the recorded choice of rules: the -r
# paths, re-read (an edit applies), and the --param values; stderr names
# the rule ids added, dropped or changed; the replaced file is kept as
# b.imdb.prev. A recorded path that is gone is an error naming it, and
# nothing is replaced.
. "$TESTS_CLI/lib.sh"
command -v python3 > /dev/null || { echo "needs python3" >&2; exit 77; }
mktree; data_rule
mkdir rules
cat > rules/site.json <<'RULE'
{"id": "site.1", "name": "site data", "severity": "low",
 "entities": [{"type": "file", "base": "${dir}", "attributes": ["STANDARD"]}],
 "params": {"dir": {"default": "/nonexistent", "description": "a directory"}}}
RULE
imscan baseline -r rule.json -r rules --param dir=/etc --root root -b b.imdb 2>base.err
echo "baseline: $?"
origin() {
	python3 -c 'import json, struct, sys, zlib
p = zlib.decompress(open(sys.argv[1], "rb").read(), 31)
print(json.dumps(json.loads(p[17:17 + struct.unpack("<I", p[13:17])[0]]).get("origin")))' "$1" |
	sed "s|$PWD|PWD|g"
}
origin b.imdb
printf 'changed\n' > root/etc/hosts
sed -i 's/"low"/"high"/' rules/site.json
imscan baseline --root root -b b.imdb 2> rb.err; echo "re-baseline: $?"
grep -v ' entries (' rb.err
imscan show b.imdb | tail -n +2 | jq -r '.key' | sort
origin b.imdb
ls b.imdb*
imscan check -b b.imdb.prev -q | brief; echo "check the kept old one: done"
rm rule.json
imscan baseline -r rules --param dir=/etc --root root -b b.imdb 2> rb.err
echo "without rule.json: $?"
grep -v ' entries (' rb.err
mv rules gone
cp b.imdb before.imdb
imscan baseline --root root -b b.imdb 2>err; echo "path gone: $?"
sed "s|$PWD|PWD|g" err
cmp b.imdb before.imdb && echo "baseline untouched"
