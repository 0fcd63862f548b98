# Run as nobody: an unreadable file is reported when it becomes unreadable,
# not again while it stays so; what can be read of it is still compared.
. "$TESTS_CLI/lib.sh"
need_root "to run imscan as nobody"
command -v setpriv > /dev/null || { echo "setpriv missing" >&2; exit 77; }
mktree; data_rule
chmod 755 .. . root root/data root/data/sub
printf 'secret\n' > root/data/secret; chmod 600 root/data/secret
mkdir root/data/locked; echo x > root/data/locked/inside; chmod 700 root/data/locked
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
touch b.imdb; chmod 777 .
asnobody "$IMSCAN" baseline -r rule.json --root root -b b.imdb 2> base.err; echo "baseline: $?"
sed 's/in [0-9.]*s/in Ts/; s/[0-9.]* MB/N MB/; s|to .*b.imdb|to b.imdb|' base.err
asnobody "$IMSCAN" check -b b.imdb -q > ev.json; echo "check unchanged: $?"; brief < ev.json
chmod 0 root/data/b.txt
chown 1:1 root/data/secret
asnobody "$IMSCAN" check -b b.imdb -q > ev.json; echo "check: $?"; brief < ev.json
jq -c 'select(.action == "unreadable") | .error' ev.json
