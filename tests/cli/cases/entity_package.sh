# Issue 12: dpkg packages of a temp root through the real commands, with
# the library's rule: one installed, one removed (purged), one upgraded,
# one reinstalled with other files (only its md5sums list changed), one
# removed with its conf files left (config-files): the exact events, and
# show's records before; md5sums is the SHA-256 of the list.
. "$TESTS_CLI/lib.sh"
mkdir -p root/var/lib/dpkg/info
st=root/var/lib/dpkg/status
stanza() {	# name version arch [status] [multi-arch]
	printf 'Package: %s\nStatus: %s\nPriority: optional\nArchitecture: %s\n' \
		"$1" "${4:-install ok installed}" "$3"
	[ -n "${5:-}" ] && printf 'Multi-Arch: %s\n' "$5"
	printf 'Version: %s\nDescription: test\n multi-line\n .\n description\n\n' "$2"
}
{
	stanza dpkg 1.22.6 amd64
	stanza bash 5.2-1 amd64
	stanza curl 8.5.0-2 amd64
	stanza libfoo1 1.0 amd64 "install ok installed" same
	stanza nano 7.2-1 amd64
	stanza gone 1.0 all "purge ok not-installed"
} > $st
for p in dpkg bash curl nano libfoo1:amd64; do
	printf '0123456789abcdef0123456789abcdef  usr/bin/%s\n' "${p%:*}" > root/var/lib/dpkg/info/$p.md5sums
done
cp "$RULES/1003703-packages.json" rule.json
base
imscan show -b b.imdb | jq -c 'select(.kind)'
# md5sums is the SHA-256 of the list
[ "$(imscan show -b b.imdb | jq -r 'select(.key == "libfoo1:amd64") | .md5sums')" = \
  "$(sha256sum < root/var/lib/dpkg/info/libfoo1:amd64.md5sums | cut -d' ' -f1)" ] && echo "md5sums: sha256"

{
	stanza dpkg 1.22.6 amd64
	stanza bash 5.2-2 amd64
	stanza libfoo1 1.0 amd64 "install ok installed" same
	stanza nano 7.2-1 amd64 "deinstall ok config-files"
	stanza nmap 7.94 amd64
	stanza gone 1.0 all "purge ok not-installed"
} > $st
rm root/var/lib/dpkg/info/curl.md5sums root/var/lib/dpkg/info/nano.md5sums
printf 'fedcba9876543210fedcba9876543210  usr/bin/bash\n' > root/var/lib/dpkg/info/bash.md5sums
printf '00000000000000000000000000000000  usr/lib/libfoo.so.1\n' > root/var/lib/dpkg/info/libfoo1:amd64.md5sums
printf '11111111111111111111111111111111  usr/bin/nmap\n' > root/var/lib/dpkg/info/nmap.md5sums
imscan check -b b.imdb > ev.json 2> sum.txt; echo "check: $?"
untime < sum.txt >&2
jq -c '{kind, action, key, changed, old, new}' ev.json
