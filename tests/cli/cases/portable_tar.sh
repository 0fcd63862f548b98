# A tar round trip (--xattrs --acls -p) of an approved tree checks clean
# with --portable; one chmod in the copy is one event.
. "$TESTS_CLI/lib.sh"
need_root "to keep owners and setuid in the copy"
portable_tree
base
mkdir copy
tar -C root --xattrs --acls -cf tree.tar .
tar -C copy --xattrs --acls -p -xf tree.tar
chk_copy
chmod 0755 copy/data/suid
chk_copy
