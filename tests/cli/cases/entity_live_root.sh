# Issue 12: types that only the running system has (port, process,
# module, mount) under --root: rules lint warns once per rule and type,
# baseline and check skip them with one line naming their rules and still
# record and check the rest; with --root / lint has nothing to say.
. "$TESTS_CLI/lib.sh"
mkdir -p root/etc
printf 'root:x:0:0:root:/root:/bin/sh\n' > root/etc/passwd
cat > rule.json <<'RULE'
[{"id": "1", "name": "ports", "entities": [{"type": "port", "include": ["tcp/*"]},
  {"type": "port", "include": ["udp/*"]}, {"type": "process"}]},
 {"id": "2", "name": "users", "entities": [{"type": "user"}]},
 {"id": "3", "name": "kernel", "entities": [{"type": "module"}, {"type": "mount"},
  {"type": "port"}]}]
RULE
imscan rules lint -r rule.json --root root; echo "lint: $?"
imscan rules lint -r rule.json --root /; echo "lint /: $?"
base 2> base2.err; sed "s|$PWD|.|g" base2.err >&2
imscan check -b b.imdb > ev.json 2> sum.txt; echo "check: $?"
untime < sum.txt | sed "s|$PWD|.|g" >&2
events < ev.json
imscan show -b b.imdb | jq -c 'select(.kind) | [.kind, .key]'
