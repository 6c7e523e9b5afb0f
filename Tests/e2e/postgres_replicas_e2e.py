#!/usr/bin/env python3
"""End-to-end: three firehouse replicas on one PostgreSQL database, as behind one Service.

A storm of notifications, each posted to two replicas at the same instant (an Alertmanager HA pair:
the copies differ only in externalURL), senders retrying like Alertmanager (on 5xx or a connection
error, the next replica, until a 2xx). One replica is SIGKILLed mid-storm and restarted, several
times. A local HTTP sink is a signed webhook target; escalation is configured. Afterwards, in the
database and at the sink: every alert answered 2xx is stored once, one incident per group, the
timeline adds up, every outbox event reached the sink (a repeat only with the same Idempotency-Key),
in order per target, and every eligible incident escalated once. Then PostgreSQL itself is
restarted under load: 503s while it is down, nothing lost, service resumes without a restart.

Needs the throw-away cluster scripts/test starts: FIREHOUSE_TEST_POSTGRES_URL (its `postgres`
database) and FIREHOUSE_TEST_POSTGRES_DIR (for the restart). Prints 'e2e-postgres: N passed, M failed'.

Usage: postgres_replicas_e2e.py PATH-TO-firehouse-BINARY
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alertmanager_e2e import HOOK_SECRET, Sink, describe, expect, expect_equal, free_port, http, wait_for  # noqa: E402

ADMIN_URL = os.environ.get("FIREHOUSE_TEST_POSTGRES_URL", "")
CLUSTER_DIR = os.environ.get("FIREHOUSE_TEST_POSTGRES_DIR", "")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATABASE = "firehouse_replicas_e2e"


def db_url(name):
    base, _, query = ADMIN_URL.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def psql(sql, database=DATABASE):
    """Rows of a query, each a list of strings (psql -At)."""
    url = db_url(database).split("?")[0]
    out = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


class Replica:
    def __init__(self, binary, workdir, index, sink_url):
        self.binary, self.index = binary, index
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(workdir, f"replica{index}.yml")
        with open(self.config, "w") as f:
            f.write(f"""server:
  shutdown_delay: 0s
  grace_period: 10s
runbooks:
  path: /nonexistent
database:
  url: "{db_url(DATABASE)}"
  replica: replica-{index}
  max_connections: 8
notifications:
  targets:
    - {{name: sink, kind: webhook, url: "{sink_url}", secret: "{HOOK_SECRET}"}}
  timeout: 2s
  initial_backoff: 200ms
  max_backoff: 1s
  max_attempts: 20
escalation:
  after: 3s
  min_severity: SEV1
  repeat: 0s
  check_interval: 1s
""")
        self.log = open(os.path.join(workdir, f"replica{index}.log"), "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(f"replica {self.index} ready", lambda: http("GET", self.url + "/readyz", timeout=1)[0] == 200, timeout=30, interval=0.05)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def notification(group, alerts, status="firing", severity="warning", external="http://am-a:9093"):
    return {"version": "4", "receiver": "replicas", "status": status, "groupKey": group, "externalURL": external,
            "groupLabels": {"group": group}, "commonLabels": {"group": group, "severity": severity}, "commonAnnotations": {},
            "truncatedAlerts": 0,
            "alerts": [{"status": status, "labels": {"alertname": a, "group": group, "severity": severity},
                        "startsAt": "2026-11-25T15:00:00Z",
                        "endsAt": "2026-11-25T15:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"}
                       for a in alerts]}


class Storm:
    """Senders posting distinct groups, each to two replicas at once, retrying like Alertmanager."""

    def __init__(self, replicas, senders=4, alerts=5):
        self.replicas, self.senders, self.alerts = replicas, senders, alerts
        self.lock = threading.Lock()
        self.acknowledged = []  # alert names answered 2xx
        self.groups = {}  # group -> severity
        self.resolved = set()
        self.answers = {}  # status -> count
        self.errors = []
        self.stop = threading.Event()
        self.longest_stall = 0.0

    def post(self, body, first):
        """Posts until a 2xx, moving to the next replica on 5xx or a connection error."""
        started, index = time.monotonic(), first
        while True:
            replica = self.replicas[index % len(self.replicas)]
            try:
                code, answer = http("POST", replica.url + "/api/v1/alertmanager", body, timeout=10)
            except (urllib.error.URLError, ConnectionError, OSError):
                code = "connection"
            with self.lock:
                self.answers[code] = self.answers.get(code, 0) + 1
            if code == 200:
                with self.lock:
                    self.longest_stall = max(self.longest_stall, time.monotonic() - started)
                return
            if isinstance(code, int) and code < 500:
                raise RuntimeError(f"{replica.url} answered {code}: {answer}")
            index += 1
            time.sleep(0.05)

    def pair(self, body, first):
        """The HA pair: the same notification to two replicas at the same moment."""
        copy = dict(body, externalURL="http://am-b:9093")
        errors = []

        def run(b, i):
            try:
                self.post(b, i)
            except Exception as error:
                errors.append(error)
        threads = [threading.Thread(target=run, args=(body, first)), threading.Thread(target=run, args=(copy, first + 1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def sender(self, worker):
        n = 0
        while not self.stop.is_set():
            group = f"G{worker}x{n}"
            severity = "critical" if n % 4 == 0 else "warning"
            names = [f"{group}a{k}" for k in range(self.alerts)]
            self.pair(notification(group, names, severity=severity), worker + n)
            with self.lock:
                self.acknowledged.extend(names)
                self.groups[group] = severity
            if n % 3 == 1:  # some groups resolve
                self.pair(notification(group, names, status="resolved", severity=severity), worker + n + 1)
                with self.lock:
                    self.resolved.add(group)
            n += 1

    def run_sender(self, worker):
        try:
            self.sender(worker)
        except Exception as error:
            with self.lock:
                self.errors.append(describe(error))

    def __enter__(self):
        self.threads = [threading.Thread(target=self.run_sender, args=(w,), daemon=True) for w in range(self.senders)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


def storm_with_kills(replicas, sink, kills):
    with Storm(replicas) as storm:
        for _ in range(kills):
            time.sleep(random.uniform(1.0, 2.0))
            victim = random.choice(replicas)
            victim.kill()
            time.sleep(2.0)
            victim.start()
        time.sleep(1.0)
    expect(not storm.errors, f"senders stopped: {storm.errors}")
    return storm


def check_stored(storm):
    rows = psql("SELECT labels::json->>'alertname' FROM alerts")
    stored = [r[0] for r in rows]
    expect(len(stored) == len(set(stored)), f"{len(stored) - len(set(stored))} alerts stored twice")
    missing = set(storm.acknowledged) - set(stored)
    expect(not missing, f"{len(missing)} alerts answered 2xx are missing, e.g. {sorted(missing)[:3]}")
    duplicates = psql("SELECT receiver, fingerprint, starts_at FROM alerts GROUP BY 1, 2, 3 HAVING count(*) > 1")
    expect_equal(duplicates, [], "episodes stored twice")
    return f"{len(stored)} alerts stored once"


def check_incidents(storm):
    incidents = int(psql("SELECT COUNT(*) FROM incidents")[0][0])
    groups = {a.rsplit("a", 1)[0] for a in storm.acknowledged}
    expect_equal(incidents, len(groups), "incidents (one per group)")
    two_open = psql("SELECT correlation_key FROM incidents WHERE status NOT IN ('resolved', 'closed') GROUP BY 1 HAVING count(*) > 1")
    expect_equal(two_open, [], "keys with two open incidents")
    kinds = dict((k, int(n)) for k, n in psql("SELECT kind, COUNT(*) FROM timeline GROUP BY kind"))
    alerts = int(psql("SELECT COUNT(*) FROM alerts")[0][0])
    expect_equal(kinds.get("incident_opened", 0), incidents, "incident_opened entries")
    expect_equal(kinds.get("alert_fired", 0), alerts, "alert_fired entries")
    expect_equal(kinds.get("incident_reopened", 0), 0, "incident_reopened entries")
    resolved = len({g for g in storm.resolved if g in groups})
    expect_equal(kinds.get("incident_resolved", 0), resolved, "incident_resolved entries")
    return f"{incidents} incidents for {len(groups)} groups"


def check_deliveries(sink, kill_count):
    rows = psql("SELECT id, state FROM outbox ORDER BY id")
    wait_for("every outbox row delivered", lambda: all(state == "delivered" for _, state in
                                                       psql("SELECT id, state FROM outbox")), timeout=60, interval=0.5)
    ids = [int(r[0]) for r in psql("SELECT id FROM outbox ORDER BY id")]
    per_entry = psql("SELECT timeline_id, target FROM outbox GROUP BY 1, 2 HAVING count(*) > 1")
    expect_equal(per_entry, [], "outbox rows per (entry, target)")
    delivered = sink.delivered()
    keys = [h.get("Idempotency-Key") for _, h in delivered]
    expect(all(h.get("signature-ok") for _, h in delivered), "a delivery with a bad signature")
    expect_equal(set(keys), {f"firehouse-delivery-{i}" for i in ids}, "Idempotency-Keys the sink saw")
    repeats = len(keys) - len(set(keys))
    # A repeat comes only from a delivery in flight on a killed replica: at most one per kill.
    expect(repeats <= kill_count, f"{repeats} deliveries repeated for {kill_count} kills")
    first = []
    for key in keys:
        if key not in first:
            first.append(key)
    order = [int(k.rsplit("-", 1)[1]) for k in first]
    expect(order == sorted(order), "the sink's first receipts are not in delivery order")
    return f"{len(ids)} deliveries, {repeats} repeated after a kill"


def check_escalations(sink):
    eligible = psql("""SELECT id FROM incidents WHERE severity = 1 AND acknowledged_at IS NULL
                       AND status NOT IN ('resolved', 'closed') ORDER BY id""")
    wait_for("eligible incidents escalated", lambda: int(psql("""SELECT COUNT(DISTINCT incident_id) FROM timeline
        WHERE kind = 'escalated'""")[0][0]) >= len(eligible), timeout=30, interval=0.5)
    twice = psql("SELECT incident_id FROM timeline WHERE kind = 'escalated' GROUP BY 1 HAVING count(*) > 1")
    expect_equal(twice, [], "incidents escalated twice")
    sunk = {}
    for body, headers in sink.delivered():
        if body["event"] == "escalated":
            sunk.setdefault(body["incident"]["id"], set()).add(headers.get("Idempotency-Key"))
    for (incident_id,) in eligible:
        expect_equal(len(sunk.get(int(incident_id), ())), 1, f"escalated events at the sink for incident {incident_id}")
    return f"{len(eligible)} SEV1 incidents escalated once"


def postgres_restart(replicas):
    """PostgreSQL restarted under load: 503 (never another error) while it is down, then 200 again
    from the same processes; every alert answered 200 is stored."""
    with Storm(replicas, senders=2, alerts=2) as storm:
        time.sleep(1.0)
        subprocess.run([os.path.join(REPO, "scripts", "pg-cluster"), "restart", CLUSTER_DIR], check=True)
        time.sleep(3.0)
    expect(not storm.errors, f"senders stopped: {storm.errors}")
    unexpected = {code: n for code, n in storm.answers.items() if code not in (200, 503, "connection")}
    expect_equal(unexpected, {}, "answers other than 200 and 503 while PostgreSQL restarted")
    stored = {r[0] for r in psql("SELECT labels::json->>'alertname' FROM alerts")}
    missing = set(storm.acknowledged) - stored
    expect(not missing, f"{len(missing)} alerts answered 200 are missing after the restart")
    for replica in replicas:
        expect_equal(http("GET", replica.url + "/readyz", timeout=5)[0], 200, f"replica {replica.index} ready again")
    return f"{storm.answers.get(503, 0)} answers 503 while down, {len(storm.acknowledged)} alerts stored"


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not ADMIN_URL or not CLUSTER_DIR:
        print("e2e-postgres: FIREHOUSE_TEST_POSTGRES_URL and FIREHOUSE_TEST_POSTGRES_DIR are not set (scripts/test sets them)")
        return 1
    binary = sys.argv[1]
    results = []
    workdir = tempfile.mkdtemp(prefix="firehouse-replicas-")
    psql(f"DROP DATABASE IF EXISTS {DATABASE}", database="postgres")
    psql(f"CREATE DATABASE {DATABASE}", database="postgres")
    sink = Sink()
    replicas = [Replica(binary, workdir, i, sink.url) for i in range(3)]

    def check(name, fn):
        try:
            detail = fn()
            results.append(True)
            print(f"ok   {name}" + (f"\n     {detail}" if detail else ""))
            return True
        except Exception as error:
            results.append(False)
            print(f"FAIL {name}: {describe(error)}")
            return False

    kills = 3
    try:
        storm = None

        def start_and_storm():
            nonlocal storm
            # Started together: the migrations must run once.
            threads = [threading.Thread(target=r.start) for r in replicas]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            storm = storm_with_kills(replicas, sink, kills)
            return (f"{len(storm.acknowledged)} alerts in {len(storm.groups)} groups, answers {storm.answers}, "
                    f"longest wait for a 2xx {storm.longest_stall:.1f}s")

        if check("three replicas: a storm to HA pairs while one replica is SIGKILLed and restarted", start_and_storm):
            check("every alert answered 2xx is stored exactly once", lambda: check_stored(storm))
            check("one incident per group, and the timeline adds up", lambda: check_incidents(storm))
            check("every outbox event reached the sink, in order, repeats only after a kill", lambda: check_deliveries(sink, kills))
            check("every eligible incident escalated once", lambda: check_escalations(sink))
            check("PostgreSQL restarted under load: 503s, nothing lost, service resumes", lambda: postgres_restart(replicas))
    finally:
        for replica in replicas:
            replica.stop()
    failed = results.count(False)
    print(f"e2e-postgres: {results.count(True)} passed, {failed} failed (logs in {workdir})")
    return 0 if failed == 0 and results else 1


if __name__ == "__main__":
    sys.exit(main())
