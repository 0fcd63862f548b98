# Issue 12: users and groups of a temp root through the real commands,
# with the library's rules. A user added, one removed, one with a new
# shell, a new password and a new group; a group added, one removed, one
# with a new member and administrator: the exact events. The password is a
# digest keyed with the baseline's own key: a change shows as "password"
# changed, the hash itself is in no event, no show output and not in the
# baseline; a second check and check --update (which keeps the key) agree,
# a new baseline draws a new key and so new digests.
. "$TESTS_CLI/lib.sh"
# 64 hex digits: a keyed digest, different at every baseline.
digests() {
	sed -E 's/"[0-9a-f]{64}"/"<digest>"/g'
}
mkdir -p root/etc
cat > root/etc/passwd <<'X'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/sh
carol:x:1002:1002::/home/carol:/bin/sh
X
cat > root/etc/shadow <<'X'
root:*:19000:0:99999:7:::
alice:$6$s4lt$OLDHASHoldhash:19000:0:99999:7:::
carol:!$6$c$carolhash:19000:0:99999:7::20000:
X
cat > root/etc/group <<'X'
root:x:0:
wheel:x:10:root
alice:x:1000:
carol:x:1002:
X
cat > root/etc/gshadow <<'X'
root:*::
wheel:!::root
alice:!::
carol:!::
X
cat "$RULES/1003700-users.json" "$RULES/1003701-groups.json" | jq -s . > rule.json
base
imscan show -b b.imdb | jq -c 'select(.kind)' | digests
cp b.imdb first.imdb
key1=$(imscan show -b b.imdb | jq -r 'select(.key == "alice" and .kind == "user") | .password')

printf 'bob:x:1001:1001:Bob:/home/bob:/bin/bash\n' >> root/etc/passwd
printf 'bob:$6$b$bobhash:19100:0:99999:7:::\n' >> root/etc/shadow
sed -i '/^carol:/d' root/etc/passwd root/etc/shadow root/etc/group root/etc/gshadow
sed -i 's|^alice:x:1000:1000:Alice:/home/alice:/bin/sh|alice:x:1000:1000:Alice:/home/alice:/bin/zsh|' root/etc/passwd
sed -i 's|OLDHASHoldhash|NEWHASHnewhash|' root/etc/shadow
sed -i 's|^wheel:x:10:root$|wheel:x:10:root,alice|' root/etc/group
sed -i 's|^wheel:!::root$|wheel:!:alice:root|' root/etc/gshadow
printf 'staff:x:50:bob\n' >> root/etc/group

imscan check -b b.imdb > ev.json 2> sum.txt; echo "check: $?"
untime < sum.txt >&2
jq -c '{kind, action, key, changed, old, new}' ev.json | digests
cp ev.json ev1.json
imscan check -b b.imdb > ev.json 2> sum.txt; echo "second check: $?"
untime < sum.txt >&2
cmp -s ev1.json ev.json || jq -c 'del(.time)' ev1.json ev.json | sort | uniq -u
echo "hash in events, show, baseline: $(cat ev.json; imscan show -b b.imdb; gzip -dc b.imdb)" |
	grep -c 'OLDHASH\|NEWHASH\|bobhash\|carolhash'
new=$(jq -r 'select(.key == "alice" and .kind == "user") | .new.password' ev.json)
old=$(jq -r 'select(.key == "alice" and .kind == "user") | .old.password' ev.json)
[ "$old" = "$key1" ] && [ "$new" != "$old" ] && echo "old digest is the baseline's, new differs"

imscan check -b b.imdb -u -q > /dev/null; echo "update: $?"
imscan check -b b.imdb -q; echo "after update: $?"
imscan show -b b.imdb | jq -c 'select(.kind == "user" and .key == "alice") | .password' |
	{ read -r p; [ "$p" = "\"$new\"" ] && echo "update kept the key"; }
sed -i 's|NEWHASHnewhash|THIRDhash|' root/etc/shadow
chk; grep -c THIRDhash ev.json
base
imscan show -b b.imdb | jq -r 'select(.kind == "user" and .key == "alice") | .password' |
	{ read -r p; [ "$p" != "$new" ] && echo "new baseline, new key, new digest"; }
imscan check -b b.imdb -q; echo "check new baseline: $?"
