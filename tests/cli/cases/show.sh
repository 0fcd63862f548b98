. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
imscan show b.imdb > show.json; echo "show: $?"
head -n 1 show.json | jq -c '{format, root: (.root | endswith("/root")), hash, count, rules: [.rules[].id]}'
tail -n +2 show.json | jq -c '[.kind, .key, .rules, .type, .mode, .size, .sha256, .target]'
