# The product procedure: enable rule 1003513, baseline, check, change /etc/hosts.
. "$TESTS_CLI/lib.sh"
mktree
imscan baseline -r "$RULES"/1003513-*.json --root root -b b.imdb 2>base.err
echo "baseline: $?"
untime < base.err >&2
imscan check -b b.imdb -q > ev.json
echo "check unchanged: $? events: $(wc -l < ev.json)"
printf '10.0.0.1 evil.example\n' >> root/etc/hosts
for run in 1 2; do
	imscan check -b b.imdb -q > ev.json
	echo "check $run: $? events: $(wc -l < ev.json)"
	jq -c '{action, kind, key, rule: .rule.id, sha256: (.changed | index("sha256") != null), size: (.changed | index("size") != null)}' ev.json
done
