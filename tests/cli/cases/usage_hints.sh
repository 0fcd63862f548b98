# Issue 10 item 7: the command line, consistent. show takes -b; a missing
# baseline names where its name came from and what to run; check warns
# when --root is not the baseline's root; choices are case-insensitive;
# unknown commands, options and actions get a "did you mean" hint.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
o() {	# o LABEL ARGS...: run imscan ARGS, print the label and the status
	label=$1; shift
	$IMSCAN_WRAP "$IMSCAN" "$@" > out.json 2> err; echo "$label: $?"
	sed "s|$PWD|.|g; s/ in [0-9.]*s$//" err >&2
}
o "show -b" show -b b.imdb; head -n 1 out.json | jq -r '.root | sub(".*/"; "")'
o "show FILE" show b.imdb
o "show both" show -b b.imdb b.imdb
o "show -b missing" show -b missing.imdb
o "check -b missing" check -b missing.imdb
IMSCAN_BASELINE=env.imdb o "check env missing" check
if [ "$(id -u)" = 0 ]; then
	HOME=/nonexistent-home setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$IMSCAN" check 2> err; echo "check default missing: $?"
else
	HOME=/nonexistent-home "$IMSCAN" check 2> err; echo "check default missing: $?"
fi
cat err >&2
o "check missing dir" check -b nodir/b.imdb
cp -a root other
o "check another root" check -b b.imdb --root other -q
o "check own root" check -b b.imdb --root root -q
o "format JSON" check -b b.imdb --format=JSON -q
o "format Text" rules list -r rule.json -f Text
o "hash SHA256" baseline -r rule.json --root root -b h.imdb --hash SHA256
o "hash Blake2B" baseline -r rule.json --root root -b h.imdb --hash Blake2B
o "command typo" baselin
o "help typo" help chek
o "far command" frobnicate
o "option typo" check -b b.imdb --formt=json
o "option typo value" baseline --rots root -r rule.json
o "far option" check --frobnicate
o "action typo" rules lnt
