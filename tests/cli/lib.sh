# Helpers for CLI cases; each case starts with: . "$TESTS_CLI/lib.sh"
set -u
REPO=$(cd "$TESTS_CLI/../.." && pwd)
RULES="$REPO/rules"

imscan() {
	# shellcheck disable=SC2086
	$IMSCAN_WRAP "$IMSCAN" "$@"
}

# Events without the fields that change from run to run.
events() {
	jq -c 'del(.time, .host)'
}

# Only action, key and changed: the shape of what was detected.
brief() {
	jq -c '[.action, .key, (.changed // empty)]'
}

# Skips the case (exit 77) with a reason unless running as root.
need_root() {
	[ "$(id -u)" = 0 ] || { echo "needs root: $*" >&2; exit 77; }
}

# A rule for everything below /data of the test root.
data_rule() {
	cat > rule.json <<RULE
{"id": "9000001", "name": "test data", "severity": "high",
 "entities": [{"type": "file", "base": "/data", "exclude": ["*.tmp", "skip/"],
   "attributes": ["STANDARD" ${1:+, $1}]}]}
RULE
}

# A small tree: root/data with files, a dir, a symlink.
mktree() {
	mkdir -p root/data/sub root/etc
	printf 'hello\n' > root/data/a.txt
	printf 'bee\n' > root/data/b.txt
	printf 'inner\n' > root/data/sub/c.txt
	ln -s a.txt root/data/link
	printf '127.0.0.1 localhost\n' > root/etc/hosts
	touch -d '2026-01-01 00:00:00' root/data/a.txt root/data/b.txt root/data/sub/c.txt
}

# The closing summary of baseline and check without its time ("in 0.1s"),
# which varies from run to run: stdin to stdout.
untime() {
	sed 's/ in [0-9][0-9]*\.[0-9]s$/ in Ts/'
}

# Baseline of root/ with rule.json into b.imdb; prints the exit status, and
# its stderr (kept in base.err) to stderr without the time.
base() {
	imscan baseline -r rule.json --root root -b b.imdb "$@" 2>base.err
	echo "baseline: $?"
	untime < base.err >&2
}

# Check against b.imdb; prints the exit status, then each event in brief.
chk() {
	imscan check -b b.imdb -q "$@" > ev.json
	echo "check: $?"
	brief < ev.json
}

# An approved tree for copy cases (check --portable): under root/data a
# regular file, a directory, a symlink, a setuid file, one with a user
# xattr, one with an ACL, and a hard link; root/etc names the owners.
# rule.json selects /data with STANDARD.
portable_tree() {
	mkdir -p root/data/dir root/etc
	printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' > root/etc/passwd
	printf 'root:x:0:\nstaff:x:1000:\n' > root/etc/group
	printf 'hello\n' > root/data/file
	printf 'inner\n' > root/data/dir/inner
	ln -s file root/data/link
	printf '#!/bin/sh\n' > root/data/suid; chmod 4755 root/data/suid
	printf 'x\n' > root/data/xattr; setfattr -n user.note -v approved root/data/xattr
	printf 'a\n' > root/data/acl; setfacl -m u:1000:r root/data/acl
	printf 'linked\n' > root/data/hard; ln root/data/hard root/data/hard2
	chown 1000:1000 root/data/file
	touch -d '2026-01-01 00:00:00' root/data/* root/data/dir/inner
	data_rule
}

# Checks copy/ against b.imdb with --portable (or the options given):
# the exit status, then each event in brief.
chk_copy() {
	imscan check -b b.imdb -q --root copy "${@:---portable}" > ev.json
	echo "check: $?"
	brief < ev.json
}

# Runs a command as nobody.
asnobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# For cases run as nobody (root needed, else exit 77): mktree and
# data_rule, with root/data/secret (0600) and root/data/locked (0700) that
# nobody cannot read; then a baseline of it made as nobody, its exit
# status and summary on stdout. The baseline is b.imdb in the scratch
# directory, made writable by all; or DIR/b.imdb in a directory DIR that
# nobody owns, when given.
nobody_baseline() {
	need_root "to run imscan as nobody"
	command -v setpriv > /dev/null || { echo "setpriv missing" >&2; exit 77; }
	mktree; data_rule
	chmod 755 .. . root root/data root/data/sub
	printf 'secret\n' > root/data/secret; chmod 600 root/data/secret
	mkdir root/data/locked; echo x > root/data/locked/inside; chmod 700 root/data/locked
	if [ $# -gt 0 ]; then
		mkdir "$1"; chown 65534:65534 "$1"
		nb_file="$1/b.imdb"
	else
		touch b.imdb; chmod 777 .
		nb_file=b.imdb
	fi
	asnobody "$IMSCAN" baseline -r rule.json --root root -b "$nb_file" 2> base.err
	echo "baseline: $?"
	sed 's/in [0-9.]*s/in Ts/; s/[0-9.]* MB/N MB/; s|to .*b.imdb|to b.imdb|' base.err
}
