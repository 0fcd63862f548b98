# Issue 10 item 6: rules lint --root DIR warns about a base that does not
# exist under DIR (a mistyped base monitors nothing), resolved inside DIR:
# a symlink to the host's /etc is not the image's /etc.
. "$TESTS_CLI/lib.sh"
mkdir -p img/srv/www img/data
ln -s /etc img/etc
cat > r.json <<'RULE'
[{"id": "1", "name": "web", "entities": [{"type": "file", "base": "/srv/wwww"},
  {"type": "file", "base": "/srv/www"}]},
 {"id": "2", "name": "etc", "entities": [{"type": "file", "base": "/etc/ssh"}]},
 {"id": "3", "name": "users", "entities": [{"type": "user"}]}]
RULE
imscan rules lint -r r.json --root img 2> err; echo "lint: $?"
sed "s|$PWD|.|g" err >&2
imscan rules lint -r r.json; echo "lint without --root: $?"
imscan rules lint -r r.json --root missing; echo "lint missing root: $?"
