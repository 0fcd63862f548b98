# Run as nobody: an unreadable file is reported when it becomes unreadable,
# not again while it stays so; what can be read of it is still compared.
. "$TESTS_CLI/lib.sh"
nobody_baseline
asnobody "$IMSCAN" check -b b.imdb -q > ev.json; echo "check unchanged: $?"; brief < ev.json
chmod 0 root/data/b.txt
chown 1:1 root/data/secret
asnobody "$IMSCAN" check -b b.imdb -q > ev.json; echo "check: $?"; brief < ev.json
jq -c 'select(.action == "unreadable") | .error' ev.json
