# A base that does not exist is named at baseline (a mistyped one would
# monitor nothing without a word); one that existed and is gone is
# `removed`, with everything below it. A base directory is selected only
# when its entity selects it: with include patterns, only if one of them
# is "." (imscan-rules(5)), so a chmod of /etc is no event of a rule that
# includes only ld.so.preload.
. "$TESTS_CLI/lib.sh"
mkdir -p root/etc root/srv/www/html
echo x > root/etc/ld.so.preload
echo h > root/etc/hosts
echo i > root/srv/www/html/index.html
cat > rule.json <<'RULE'
[{"id": "9000010", "name": "web", "entities": [
   {"type": "file", "base": "/srv/www", "attributes": ["type", "mode", "sha256"]},
   {"type": "file", "base": "/srv/wwww"}, {"type": "file", "base": "/srv/wwww/x"}]},
 {"id": "9000011", "name": "preload", "severity": "critical", "entities": [
   {"type": "file", "base": "/etc", "include": ["ld.so.preload"], "attributes": ["type", "mode"]}]},
 {"id": "9000012", "name": "etc itself", "entities": [
   {"type": "file", "base": "/etc", "include": [".", "hosts"], "attributes": ["type", "mode"]}]}]
RULE
imscan baseline -r rule.json --root root -b b.imdb 2>base.err; echo "baseline: $?"
untime < base.err | sed "s|$PWD/||" >&2
imscan show b.imdb | tail -n +2 | jq -c '[.key, .rules]'
chmod 0700 root/etc
rm -r root/srv/www
imscan check -b b.imdb -q > ev.json 2>chk.err; echo "check: $?"
jq -c '[.action, .key, .rule.id, (.changed // empty)]' ev.json
cat chk.err
