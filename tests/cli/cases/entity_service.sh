# Issue 12: systemd units of a temp root through the real commands, with
# the library's rule: a unit enabled and one disabled (wants links), one
# masked (a link to /dev/null in /etc), a drop-in added, a unit file
# edited, a unit added and enabled, one removed: the exact events, and
# show's records before.
. "$TESTS_CLI/lib.sh"
vendor=root/usr/lib/systemd/system
etc=root/etc/systemd/system
mkdir -p $vendor $etc/multi-user.target.wants
unit() {	# file [install section]
	printf '[Unit]\nDescription=%s\n\n[Service]\nExecStart=/usr/bin/%s\n' "${1##*/}" "${1##*/}" > "$1"
	[ -z "${2:-}" ] || printf '\n[Install]\n%s\n' "$2" >> "$1"
}
unit $vendor/ssh.service WantedBy=multi-user.target
unit $vendor/cron.service WantedBy=multi-user.target
unit $vendor/foo.service
unit $vendor/old.service WantedBy=multi-user.target
unit $vendor/helper.service Also=ssh.service
ln -s /usr/lib/systemd/system/cron.service $etc/multi-user.target.wants/cron.service
cp "$RULES/1003705-enabled-services.json" rule.json
base
imscan show -b b.imdb | jq -c 'select(.kind) | {key, enabled, path, dropins}'

ln -s /usr/lib/systemd/system/ssh.service $etc/multi-user.target.wants/ssh.service
rm $etc/multi-user.target.wants/cron.service
ln -s /dev/null $etc/foo.service
mkdir $etc/ssh.service.d
printf '[Service]\nExecStartPre=/tmp/x\n' > $etc/ssh.service.d/override.conf
echo 'Environment=X=1' >> $vendor/helper.service
unit $etc/evil.service WantedBy=multi-user.target
ln -s /etc/systemd/system/evil.service $etc/multi-user.target.wants/evil.service
rm $vendor/old.service
imscan check -b b.imdb > ev.json 2> sum.txt; echo "check: $?"
untime < sum.txt >&2
jq -c '{kind, action, key, changed, old, new}' ev.json |
	sed -E 's/"[0-9a-f]{64}"/"<digest>"/g'
