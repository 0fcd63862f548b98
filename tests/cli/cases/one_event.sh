# One chmod of a directory that three rules select: one event, filed under
# the most severe rule whose attributes changed, listing every such rule,
# the union of their changed attributes and of their tags; a rule that
# compares neither mode nor anything else that changed is not among them.
. "$TESTS_CLI/lib.sh"
mktree
cat > rule.json <<'RULE'
[{"id": "1", "name": "data tree", "severity": "low", "tags": ["a", "b"],
  "entities": [{"type": "file", "base": "/data", "attributes": ["mode", "uid"]}]},
 {"id": "2", "name": "data dir", "severity": "critical", "tags": ["c", "a"],
  "entities": [{"type": "file", "base": "/data", "include": ["/sub"], "attributes": ["mode"]}]},
 {"id": "3", "name": "data owner", "severity": "high", "tags": ["d"],
  "entities": [{"type": "file", "base": "/data", "attributes": ["uid", "gid"]}]},
 {"id": "4", "name": "data perms", "severity": "medium", "tags": ["b", "e"],
  "entities": [{"type": "file", "base": "/data", "attributes": ["mode", "type"]}]}]
RULE
base
chmod 0700 root/data/sub
imscan check -b b.imdb > ev.json 2> sum.txt
echo "check: $?"
events < ev.json
sed 's/in [0-9.]*s/in Ts/' sum.txt
imscan check -b b.imdb --format text 2> sum.txt
echo "check: $?"
sed 's/in [0-9.]*s/in Ts/' sum.txt
