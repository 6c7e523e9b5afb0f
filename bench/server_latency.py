#!/usr/bin/env python3
"""Where a fixed-rate run's latency goes, from the server's own histograms (/metrics before and after).

The load generator measures from the moment a request was due to its answer; the server's
histograms split that into the time inside the server (the webhook route's request duration), the
write of a group (commit) and the WAL flush each answer waits for. A gap between the generator's
figures and the request duration is time outside the handler: scheduling, sockets, the generator.
Run: python3 bench/server_latency.py BEFORE AFTER  (files saved from GET /metrics)
"""
import re
import sys

SERIES = [
    ("request (webhook, inside the server)", "firehouse_http_request_duration_seconds", 'route="/api/v1/alertmanager"'),
    ("commit (write one group)", "firehouse_sqlite_commit_duration_seconds", ""),
    ("WAL flush (fdatasync)", "firehouse_sqlite_wal_sync_duration_seconds", ""),
]


def load(path):
    values = {}
    for line in open(path):
        match = re.match(r"(\w+)(\{.*\})? (\S+)$", line.strip())
        if match and not line.startswith("#"):
            values[(match.group(1), match.group(2) or "")] = float(match.group(3))
    return values


def buckets(before, after, name, selector):
    """Cumulative counts per upper bound, summed over the series that match, for this run only."""
    totals = {}
    for (metric, labels), value in after.items():
        if metric != name + "_bucket" or selector not in labels:
            continue
        bound = re.search(r'le="([^"]+)"', labels).group(1)
        bound = float("inf") if bound == "+Inf" else float(bound)
        totals[bound] = totals.get(bound, 0) + value - before.get((metric, labels), 0)
    return sorted(totals.items())


def quantile(cumulative, q):
    """Linear interpolation inside the bucket, as Prometheus' histogram_quantile does."""
    total = cumulative[-1][1]
    rank = q * total
    lower, below = 0.0, 0.0
    for bound, count in cumulative:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower


def main():
    before, after = load(sys.argv[1]), load(sys.argv[2])
    for title, name, selector in SERIES:
        cumulative = buckets(before, after, name, selector)
        if not cumulative or cumulative[-1][1] == 0:
            continue
        total = cumulative[-1][1]
        over = {bound: 100 * (total - count) / total for bound, count in cumulative}
        print(f"  {title}: n={int(total)} p50~{quantile(cumulative, 0.5) * 1000:.1f}ms "
              f"p99~{quantile(cumulative, 0.99) * 1000:.1f}ms; over 1 ms {over.get(0.001, 0):.1f}%, "
              f"over 5 ms {over.get(0.005, 0):.1f}%, over 10 ms {over.get(0.01, 0):.2f}%")


main()
