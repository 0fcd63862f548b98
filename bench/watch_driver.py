#!/usr/bin/env python3
"""bench/watch_driver.py - times imscan watch for bench/watch.sh.

  watch_driver.py IMSCAN W BACKEND SAMPLES N [MEDIUM ROOT BASELINE]
      latency (skipped when SAMPLES is 0), rate, CPU, idle of the watcher of
      BASELINE (W/b.imdb) whose root ROOT (W/mnt/root) holds /data; the rate
      is also appended to W/rates as "MEDIUM watch BACKEND files/s lines
      distinct overflows writer's-files/s" (MEDIUM: tmpfs) for bench/watch.sh
  watch_driver.py IMSCAN W rss TREE BASELINE   resident size watching TREE
"""
import os
import select
import signal
import subprocess
import sys
import time
import json

CLK = os.sysconf("SC_CLK_TCK")


class Watch:
    """imscan watch with its event lines read against deadlines."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        err = b""
        while b"; ready" not in err:
            chunk = os.read(self.p.stderr.fileno(), 4096)
            if not chunk:
                sys.exit("watch did not start: " + err.decode())
            err += chunk
        self.start_line = err.decode().strip().splitlines()[-1]

    def line(self, timeout):
        """The next event line, or None after timeout seconds."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.p.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cpu(self):
        f = open("/proc/%d/stat" % self.p.pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / CLK

    def rss_kb(self):
        for l in open("/proc/%d/status" % self.p.pid):
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
        return 0

    def stop(self):
        """SIGTERM; what it still prints is read, so that it never blocks."""
        self.p.send_signal(signal.SIGTERM)
        self.p.communicate()


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def latency(imscan, root, baseline, backend, samples, debounce):
    wt = Watch([imscan, "watch", "-b", baseline, "--backend", backend,
                "--debounce", str(debounce), "--format", "json"])
    lat, lost = [], 0
    for i in range(samples):
        key = "/data/lat-%d-%d" % (debounce, i)
        fd = os.open(root + key, os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"x")
        os.close(fd)
        t0 = time.monotonic()
        while True:
            ev = wt.line(5)
            if ev is None:
                lost += 1
                break
            if ev.get("key") == key:
                lat.append((time.monotonic() - t0) * 1000)
                break
    wt.stop()
    for i in range(samples):
        os.unlink(root + "/data/lat-%d-%d" % (debounce, i))
    print("  latency --debounce %d: p50 %.1f ms, p99 %.1f ms (%d samples, %d lost)"
          % (debounce, pct(lat, 0.5), pct(lat, 0.99), len(lat), lost))


def rate(imscan, w, medium, root, baseline, backend, n):
    """Lines are only counted while they come (the reader must not be the
    bottleneck on a small machine); they are parsed once all are in."""
    d = root + "/data/rate-" + backend
    os.mkdir(d)
    wt = Watch([imscan, "watch", "-b", baseline, "--backend", backend, "--format", "json"])
    cpu0 = wt.cpu()
    t0 = time.monotonic()
    writer = subprocess.Popen([w + "/watch_bare", "writer", d, str(n)], stdout=subprocess.PIPE)
    mark = ('"key":"/data/rate-%s/f' % backend).encode()
    fd, raw, seen, last = wt.p.stdout.fileno(), [wt.buf], 0, t0
    while seen < n:
        if not select.select([fd], [], [], 15)[0]:
            break
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        raw.append(chunk)
        seen += chunk.count(mark)
        last = time.monotonic()
    end = time.monotonic() + 2
    while select.select([fd], [], [], max(0, end - time.monotonic()))[0]:
        chunk = os.read(fd, 1 << 20)  # anything reported twice comes now
        if not chunk:
            break
        raw.append(chunk)
    wt.buf = b""
    keys, lines, overflows, events = set(), 0, 0, 0
    for line in b"".join(raw).splitlines():
        ev = json.loads(line)
        events += 1
        if ev["action"] == "overflow":
            overflows += 1
        elif ev["action"] == "added" and ev["key"].startswith("/data/rate-%s/" % backend):
            lines += 1
            keys.add(ev["key"])
    out = writer.communicate()[0].decode().strip()
    cpu = wt.cpu() - cpu0
    print("  rate: %d files in %.2f s = %.0f files/s to the last event; %d added lines, %d distinct,"
          " %d overflows; %.2f CPU s per 10,000 events (writer: %s)"
          % (n, last - t0, n / (last - t0), lines, len(keys), overflows,
             cpu * 10000 / max(events, 1), out))
    wrate = out.split("writer_files_per_s=")[1].split()[0] if "writer_files_per_s=" in out else "0"
    with open(w + "/rates", "a") as f:
        f.write("%s watch %s %.0f %d %d %d %s\n"
                % (medium, backend, n / (last - t0), lines, len(keys), overflows, wrate))
    while True:  # until what is queued has been read
        c0 = wt.cpu()
        time.sleep(1)
        if wt.cpu() == c0:
            break
    c0 = wt.cpu()
    time.sleep(5)
    print("  idle: %.2f CPU s over 5 s" % (wt.cpu() - c0))
    wt.stop()
    if medium == "tmpfs":  # on disk, bench/watch.sh removes them after its last run
        subprocess.run(["rm", "-rf", d])


def rss(imscan, tree, baseline):
    wt = Watch([imscan, "watch", "-b", baseline, "--root", tree, "--format", "json"])
    time.sleep(1)
    kb = wt.rss_kb()
    recs = int(wt.start_line.split(" records")[0].rsplit(" ", 1)[1])
    print("rss: %s" % wt.start_line)
    print("rss: %d kB resident for %d records: %.0f B per record beyond 16 MB (goal <= 150)"
          % (kb, recs, (kb * 1024 - 16 * 1024 * 1024) / max(recs, 1)))
    wt.stop()


def main():
    imscan, w, mode = sys.argv[1:4]
    if mode == "rss":
        rss(imscan, sys.argv[4], sys.argv[5])
        return
    samples, n = int(sys.argv[4]), int(sys.argv[5])
    medium, root, baseline = (sys.argv[6:9] if len(sys.argv) > 6
                              else ("tmpfs", w + "/mnt/root", w + "/b.imdb"))
    print(mode + ":" if medium == "tmpfs" else "%s %s:" % (medium, mode))
    for debounce in (200, 50) if samples else ():
        latency(imscan, root, baseline, mode, samples, debounce)
    rate(imscan, w, medium, root, baseline, mode, n)


main()
