# contrib/imscan-watch.service passes systemd-analyze verify (with the
# binary under test in ExecStart, which must exist).
. "$TESTS_CLI/lib.sh"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is not installed" >&2; exit 77; }
sed "s|/usr/local/bin/imscan|$IMSCAN|" "$REPO/contrib/imscan-watch.service" > imscan-watch.service
grep -q "^ExecStart=$IMSCAN watch --format json$" imscan-watch.service || echo "ExecStart not replaced"
systemd-analyze verify --man=no ./imscan-watch.service > verify.out 2>&1
echo "verify: $?"
cat verify.out
