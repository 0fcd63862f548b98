# An rsync -aAX copy of an approved tree checks clean with --portable; one
# chmod in the copy is one event. rsync -a alone drops ACLs and extended
# attributes, and the check says so.
. "$TESTS_CLI/lib.sh"
need_root "to keep owners and setuid in the copy"
command -v rsync > /dev/null || { echo "rsync missing (make deps)" >&2; exit 77; }
portable_tree
base
rsync -a root/ copy/
chk_copy
rm -rf copy
rsync -aAX root/ copy/
chk_copy
chmod 0600 copy/data/hard2
chk_copy
