# Permission denied, as nobody: a 000 directory gives one "unreadable"
# event and no "removed" event for what the baseline (made by root) holds
# inside it; a 000 file gives one "unreadable" event; nothing is reported
# as removed, and the exit status is 1 (events), not 2. Against a baseline
# nobody made, where they were unreadable already, they are quiet.
. "$TESTS_CLI/lib.sh"
need_root "setpriv to nobody"
command -v setpriv >/dev/null || { echo "needs setpriv (util-linux)" >&2; exit 77; }
# The scratch directory is 0700: work where nobody can reach.
t=$(mktemp -d /tmp/imscan-nobody.XXXXXX); trap 'rm -rf "$t"' EXIT
chmod 755 "$t"; cd "$t"
mktree; data_rule
mkdir -p root/data/closed/deeper; echo secret > root/data/closed/s1
echo secret > root/data/closed/deeper/s2; echo secret > root/data/locked
base
chmod 000 root/data/closed root/data/locked
mkdir nobody; cp b.imdb nobody/b.imdb; chown -R 65534:65534 nobody
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups $IMSCAN_WRAP "$IMSCAN" "$@"
}
as_nobody check -b nobody/b.imdb -q > ev.json; echo "check as nobody: $?"
jq -c '[.action, .key, .error]' ev.json
# A baseline made by nobody has the closed directory, unreadable, not its contents.
as_nobody baseline -r rule.json --root root -b nobody/own.imdb 2>base.err; echo "baseline as nobody: $?"
untime < base.err >&2
as_nobody show nobody/own.imdb | tail -n +2 | jq -c 'select(.error) | [.key, .type, .mode, .error]'
as_nobody show nobody/own.imdb | tail -n +2 | grep -c '/closed/' || true
as_nobody check -b nobody/own.imdb -q > ev.json; echo "check as nobody of its own: $?"
jq -c '[.action, .key, .error]' ev.json
chmod 755 root/data/closed; chmod 644 root/data/locked
