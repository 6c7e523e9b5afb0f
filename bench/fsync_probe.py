#!/usr/bin/env python3
"""How long this machine's disk takes to make a small write durable, with nothing else running.

Every webhook answer waits for one fdatasync of the WAL, so this bounds what any durable server can
promise here: a fixed-rate p99 cannot beat the disk's own stalls. Appends 60 KB (a typical group
commit's WAL frames) and fdatasyncs it, every millisecond, for SECONDS (default 10).
Run: python3 bench/fsync_probe.py [SECONDS] [DIRECTORY]
"""
import os
import sys
import tempfile
import time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
directory = sys.argv[2] if len(sys.argv) > 2 else None
fd, path = tempfile.mkstemp(prefix="fsync-probe-", dir=directory)
chunk = b"x" * 61440
latencies = []
offset = 0
try:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        os.pwrite(fd, chunk, offset)
        offset = (offset + len(chunk)) % (32 << 20)
        start = time.perf_counter()
        os.fdatasync(fd)
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(0.001)
finally:
    os.close(fd)
    os.unlink(path)
latencies.sort()
n = len(latencies)
print(f"fsync probe: {n} fdatasyncs of 60 KB: p50={latencies[n // 2]:.2f}ms p99={latencies[int(n * 0.99)]:.2f}ms "
      f"p99.9={latencies[int(n * 0.999)]:.2f}ms max={latencies[-1]:.1f}ms over 10 ms: {sum(x > 10 for x in latencies)}, "
      f"over 50 ms: {sum(x > 50 for x in latencies)}")
