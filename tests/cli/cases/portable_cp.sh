# A cp -a copy of an approved tree checks clean with --portable, and one
# real change in the copy is one event. Without --portable every entry
# differs in inode (and ctime): what a copy cannot keep.
. "$TESTS_CLI/lib.sh"
need_root "to keep owners and setuid in the copy"
portable_tree
base
cp -a root copy
chk_copy
echo "plain check: $(imscan check -b b.imdb -q --root copy 2>/dev/null | jq -s length) events"
chk_copy --portable=mtime
chmod 0700 copy/data/dir
chk_copy
touch -d '2026-02-01 00:00:00' copy/data/file
chk_copy
chk_copy --portable=mtime,nlink
# a copy on another file system type (tmpfs: no ext4 extents flag) is
# still clean
shm=$(mktemp -d /dev/shm/imscan-cli.XXXXXX) || exit 1
trap 'rm -rf "$shm"' EXIT
cp -a root "$shm/copy"
imscan check -b b.imdb -q --root "$shm/copy" --portable; echo "check on $(stat -f -c %T "$shm"): $?"
