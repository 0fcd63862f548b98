# --portable compares owners and groups by name where both sides have
# one, and by number where a side has none; bad --portable values.
. "$TESTS_CLI/lib.sh"
need_root "to chown"
portable_tree
base
# a baseline keeps the names beside the numbers
imscan show b.imdb | jq -c 'select(.key == "/data/file" or .key == "/data/dir") | [.key, .uid, .owner, .gid, .group]'
cp -a root copy
# the copy numbers alice and staff apart: the same names, so no event
printf 'root:x:0:0::/root:/bin/sh\nalice:x:2000:2000::/home/alice:/bin/sh\n' > copy/etc/passwd
printf 'root:x:0:\nstaff:x:2000:\n' > copy/etc/group
chown 2000:2000 copy/data/file
chk_copy
chk_copy --portable=mtime
# names, not numbers: a user of the same number but another name
printf 'root:x:0:0::/root:/bin/sh\nbob:x:2000:2000::/home/bob:/bin/sh\n' > copy/etc/passwd
chk_copy
jq -c '[.old, .new]' ev.json
# no names in the copy: the numbers are compared
rm copy/etc/passwd copy/etc/group
chk_copy
jq -c '[.old, .new]' ev.json
chown 1000:1000 copy/data/file
chk_copy
imscan check -b b.imdb --root copy --portable=inode,mtme; echo "bad: $?"
imscan check -b b.imdb --root copy --portable=gecos; echo "bad: $?"
imscan check -b b.imdb --root copy --portable=; echo "bad: $?"
# an updated baseline keeps the names of the root it was made of
cp root/etc/passwd root/etc/group copy/etc/
imscan check -b b.imdb --root copy -q --update > /dev/null 2> up.err; echo "update: $?"
sed "s|$PWD/||g" up.err
imscan show b.imdb | jq -c 'select(.key == "/data/file") | [.key, .uid, .owner]'
