# Helpers for the watch cases: . "$TESTS_CLI/lib.sh"; . "$TESTS_CLI/watch_lib.sh"
# WATCH_BACKEND (fanotify or inotify) picks the back end; fanotify needs root.
# WATCH_DEBOUNCE: --debounce (50 ms).

# A realtime rule for everything below /data of the test root (lib.sh's data_rule).
watch_rule() {
	data_rule "$@"
	sed -i 's/"severity": "high",/"severity": "high", "realtime": true,/' rule.json
}

# Starts imscan watch on b.imdb (or $WATCH_BASELINE) in the background (events in w.json, stderr in
# w.err) and returns once it says it is ready.
watch_start() {
	: > w.json
	: > w.err
	$IMSCAN_WRAP "$IMSCAN" watch -b "${WATCH_BASELINE:-b.imdb}" --debounce "${WATCH_DEBOUNCE:-50}" --backend "$WATCH_BACKEND" "$@" \
		> w.json 2> w.err &
	WPID=$!
	watch_ready 1
}

# Waits until w.err holds N "ready" lines (N starts: the first, then reloads).
watch_ready() {
	i=0
	until [ "$(grep -c '; ready$' w.err)" -ge "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$WPID" 2>/dev/null; then
			echo "watch did not get ready:" >&2
			cat w.err >&2
			exit 1
		fi
		sleep 0.05
	done
}

# Waits until w.json has N events (at most 10 s), then a little longer so
# that an event too many would show.
wait_events() {
	i=0
	while [ "$(wc -l < w.json)" -lt "$1" ] && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	sleep 0.3
}

# Runs a step, waits for N more events and prints the new ones in brief
# (sorted: paths due at the same time may come in either order), with the
# process behind each where its name could be read (a process that has
# exited before its event was read gives its pid only: see wstep).
step() {
	n=$1
	shift
	before=$(wc -l < w.json)
	"$@"
	wait_events $((before + n))
	echo "# $*"
	tail -n +$((before + 1)) w.json |
		jq -c '[.action, .key, (.old_key // empty), (.changed // empty)]' | sort
}

# A step made by ./imscan-wtest (a copy of sh), which stays alive a moment
# after its write so that the watcher can read who it is: also prints the
# process of its events.
wstep() {
	n=$1
	shift
	step "$n" ./imscan-wtest -c "$*; sleep 0.5"
	tail -n "$n" w.json | jq -c 'if .process then .process | [.comm, .uid, .user,
		(.exe // "" | endswith("/imscan-wtest")), (.pid | type)] else "no process" end'
}

# SIGTERM, its exit status, and the summary without its time.
watch_stop() {
	kill -TERM "$WPID"
	wait "$WPID"
	echo "watch: $?"
	grep -v '; ready$' w.err | untime >&2
}
