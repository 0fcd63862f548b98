. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
WATCH_BACKEND=fanotify
. "$TESTS_CLI/watch_overflow.sh"
