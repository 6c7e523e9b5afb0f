#!/usr/bin/env python3
"""End-to-end: the real Alertmanager (Debian's prometheus-alertmanager) posts to a real firehouse.

Loopback only, short group timers, bounded in time. Fires alerts, lets Alertmanager repeat them,
resolves them, and checks the incidents firehouse stored. Prints 'e2e: N passed, N failed'.

Usage: alertmanager_e2e.py PATH-TO-firehouse-BINARY
"""
import datetime
import hashlib
import hmac
import http.server as httpserver
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TOKEN = "e2e-secret-token"
HOOK_SECRET = "e2e-hook-secret"
API_TOKEN = "e2e-api-admin-token-0123456789"
READ_TOKEN = "e2e-api-read-token-0123456789"
API = {"Authorization": f"Bearer {API_TOKEN}"}


class Sink:
    """A webhook receiver for outbound notifications: records every POST, answers 503 while down."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (answered status, body, headers)
        self.down = False
        sink = self

        class Handler(httpserver.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    status = 503 if sink.down else 200
                    headers = dict(self.headers)
                    expected = "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
                    headers["signature-ok"] = hmac.compare_digest(headers.get("X-Firehouse-Signature", ""), expected)
                    sink.received.append((status, json.loads(body), headers))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return [(body, headers) for status, body, headers in self.received if status == 200]

    def attempts(self, event):
        with self.lock:
            return [status for status, body, _ in self.received if body["event"] == event]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(payload):
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode(errors="replace")


def http(method, url, body=None, headers=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, parse(response.read())
    except urllib.error.HTTPError as error:
        return error.code, parse(error.read())


def http_text(url, headers=None, timeout=5):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
        return response.read().decode()


def wait_for(description, predicate, timeout=30.0, interval=0.25):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {description} (last: {last!r})")


def rfc3339(delta_seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Harness:
    def __init__(self, firehouse_binary):
        self.dir = tempfile.mkdtemp(prefix="firehouse-e2e-")
        self.fh_port = free_port()
        self.am_port = free_port()
        self.fh_url = f"http://127.0.0.1:{self.fh_port}"
        self.am_url = f"http://127.0.0.1:{self.am_port}"
        self.procs = []
        self.binary = firehouse_binary
        self.sink = Sink()

    def start(self):
        env = dict(os.environ, FIREHOUSE_WEBHOOK_TOKEN=TOKEN)
        self.fh_log = open(os.path.join(self.dir, "firehouse.log"), "w")
        self.runbooks = os.path.join(self.dir, "runbooks")
        shutil.copytree("runbooks", self.runbooks)
        self.database = os.path.join(self.dir, "firehouse.sqlite")
        self.fh_config = os.path.join(self.dir, "firehouse.yml")
        self.read_token_file = os.path.join(self.dir, "read-token")
        with open(self.read_token_file, "w") as f:
            f.write(READ_TOKEN + "\n")
        with open(self.fh_config, "w") as f:
            f.write(f"""
api:
  tokens:
    - name: e2e
      token_env: E2E_API_TOKEN
      scopes: [admin]
    - name: viewer
      token_file: {self.read_token_file}
      scopes: [read]
runbooks:
  path: {self.runbooks}
alertmanager:
  url: {self.am_url}
notifications:
  targets:
    - name: sink
      kind: webhook
      url: {self.sink.url}
      secret_env: E2E_HOOK_SECRET
  initial_backoff: 200ms
  max_backoff: 1s
  max_attempts: 100
""")
        self.env = dict(env, E2E_HOOK_SECRET=HOOK_SECRET, E2E_API_TOKEN=API_TOKEN)
        self.start_firehouse()

        config = os.path.join(self.dir, "alertmanager.yml")
        with open(config, "w") as f:
            f.write(f"""
route:
  receiver: firehouse
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4s
receivers:
  - name: firehouse
    webhook_configs:
      - url: {self.fh_url}/api/v1/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {TOKEN}
""")
        self.am_log = open(os.path.join(self.dir, "alertmanager.log"), "w")
        self.procs.append(subprocess.Popen(
            [shutil.which("prometheus-alertmanager") or "alertmanager", f"--config.file={config}",
             f"--storage.path={os.path.join(self.dir, 'am-data')}",
             f"--web.listen-address=127.0.0.1:{self.am_port}", "--cluster.listen-address=",
             "--log.level=warn"],
            stdout=self.am_log, stderr=subprocess.STDOUT))
        wait_for("alertmanager ready", lambda: http("GET", self.am_url + "/-/ready")[0] == 200)

    def start_firehouse(self):
        self.firehouse = subprocess.Popen(
            [self.binary, "serve", "--config", self.fh_config, "--listen", f"127.0.0.1:{self.fh_port}",
             "--database", self.database],
            stdout=self.fh_log, stderr=subprocess.STDOUT, env=self.env)
        self.procs.append(self.firehouse)
        wait_for("firehouse ready", lambda: http("GET", self.fh_url + "/readyz")[0] == 200)

    def stop_firehouse(self):
        self.firehouse.send_signal(signal.SIGTERM)
        code = self.firehouse.wait(timeout=30)
        self.procs.remove(self.firehouse)
        return code

    def chat(self, text, user="e2e"):
        code, body = http("POST", self.fh_url + "/api/v1/chat", {"text": text, "user": user})
        assert code == 200, (code, body)
        return body["text"]

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def post_alerts(self, alerts):
        status, _ = http("POST", self.am_url + "/api/v2/alerts", alerts)
        assert status == 200, f"alertmanager refused alerts: {status}"

    def incidents(self, status="all"):
        code, body = http("GET", f"{self.fh_url}/api/v1/incidents?status={status}&limit=100", headers=API)
        assert code == 200, code
        return body["incidents"]

    def incident(self, incident_id):
        code, body = http("GET", f"{self.fh_url}/api/v1/incidents/{incident_id}", headers=API)
        assert code == 200, code
        return body


def alert(name, service, pod, severity, starts, ends):
    return {
        "labels": {"alertname": name, "service": service, "pod": pod, "severity": severity, "namespace": "prod"},
        "annotations": {"summary": f"{name} on {service}", "runbook_url": f"https://runbooks.example/{name}"},
        "startsAt": starts, "endsAt": ends, "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
    }


class Standalone:
    """A firehouse of its own for one check, on its own port, config and database."""

    def __init__(self, binary, workdir, name, config_text):
        self.binary = binary
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = os.path.join(workdir, f"{name}.sqlite")
        self.config = os.path.join(workdir, f"{name}.yml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.log = open(os.path.join(workdir, f"{name}.log"), "w")

    def start(self):
        """Launches it (on the same database each time) and waits until it is ready."""
        proc = subprocess.Popen([self.binary, "serve", "--config", self.config, "--listen", f"127.0.0.1:{self.port}",
                                 "--database", self.database], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("firehouse ready", lambda: http("GET", self.url + "/readyz", timeout=1)[0] == 200, timeout=30, interval=0.05)
        return proc


def shutdown_under_load(binary, workdir):
    """SIGTERM while a sender posts: readiness fails first, exit 0, every 2xx is stored exactly once."""
    import threading
    server = Standalone(binary, workdir, "shutdown", "server:\n  shutdown_delay: 1s\n  grace_period: 10s\nrunbooks:\n  path: /nonexistent\n")
    url = server.url
    proc = server.start()
    acknowledged, attempted, stop = [], [], threading.Event()

    def sender():
        i = 0
        while not stop.is_set() and i < 5000:
            name = f"Shutdown{i}"
            body = {"version": "4", "receiver": "r", "status": "firing", "groupLabels": {"alertname": name},
                    "alerts": [{"status": "firing", "labels": {"alertname": name}, "startsAt": "2026-11-25T15:00:00Z"}]}
            attempted.append(name)
            try:
                code, _ = http("POST", url + "/api/v1/alertmanager", body, timeout=5)
                if code == 200:
                    acknowledged.append(name)
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            i += 1

    thread = threading.Thread(target=sender)
    thread.start()
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    saw_draining = False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            code, body = http("GET", url + "/readyz", timeout=1)
            if code == 503 and isinstance(body, dict) and body.get("status") == "draining":
                saw_draining = True
                break
        except (urllib.error.URLError, ConnectionError, OSError):
            break
        time.sleep(0.02)
    code = proc.wait(timeout=15)
    stop.set()
    thread.join()
    assert saw_draining, "readiness never answered 503 draining before the server stopped"
    assert code == 0, f"exit code {code}"
    assert acknowledged, "no request was answered during the test"
    # Restart on the same database and count what was stored.
    proc = server.start()
    try:
        stored, before = [], None
        while True:
            query = "/api/v1/incidents?status=all&limit=500" + (f"&before={before}" if before else "")
            page = http("GET", url + query)[1]
            stored += [i["labels"]["alertname"] for i in page["incidents"]]
            before = page["next"]
            if before is None:
                break
        assert len(stored) == len(set(stored)), "an alert was stored twice"
        missing = set(acknowledged) - set(stored)
        assert not missing, f"{len(missing)} alerts answered 200 are missing"
        assert set(stored) <= set(attempted)
        return f"{len(acknowledged)} answered 200, {len(stored)} stored"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def crash_under_load(binary, workdir, kills=5, senders=4, alerts_per_notification=5):
    """SIGKILL the server again and again while senders post distinct alerts, retrying like
    Alertmanager (on 5xx and connection errors, until a 2xx). Then every alert is stored exactly
    once, incidents and timelines are consistent, and SQLite's integrity check is ok."""
    import random
    import sqlite3
    server = Standalone(binary, workdir, "crash", "runbooks:\n  path: /nonexistent\n")
    url, database, start = server.url, server.database, server.start
    proc = start()
    stop = threading.Event()
    acknowledged, retries, lock = [], [0], threading.Lock()

    def sender(worker):
        n = 0
        while not stop.is_set():
            names = [f"Crash{worker}x{n}x{k}" for k in range(alerts_per_notification)]
            group = f"Crash{worker}x{n}"
            body = {"version": "4", "receiver": "crash", "status": "firing", "groupKey": group,
                    "groupLabels": {"group": group}, "commonLabels": {}, "commonAnnotations": {},
                    "alerts": [{"status": "firing", "labels": {"alertname": a, "group": group},
                                "startsAt": "2026-11-25T15:00:00Z"} for a in names]}
            while True:  # Alertmanager retries until it gets an answer that is not 5xx
                try:
                    code, _ = http("POST", url + "/api/v1/alertmanager", body, timeout=5)
                    if code < 500:
                        assert code == 200, code
                        break
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                with lock:
                    retries[0] += 1
                time.sleep(0.02)
            with lock:
                acknowledged.extend(names)
            n += 1

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(senders)]
    for t in threads:
        t.start()
    try:
        for _ in range(kills):
            time.sleep(random.uniform(0.5, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc = start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    db = sqlite3.connect(database)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = [row[0] for row in db.execute("SELECT json_extract(labels, '$.alertname') FROM alerts")]
        assert len(stored) == len(set(stored)), f"{len(stored) - len(set(stored))} alerts stored twice"
        missing = set(acknowledged) - set(stored)
        assert not missing, f"{len(missing)} alerts answered 2xx are missing"
        incidents = db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        groups = {a.rsplit("x", 1)[0] for a in stored}
        assert incidents == len(groups), f"{incidents} incidents for {len(groups)} groups"
        empty = db.execute("SELECT COUNT(*) FROM incidents WHERE id NOT IN (SELECT incident_id FROM alerts)").fetchone()[0]
        assert empty == 0, f"{empty} incidents without alerts"
        fired = db.execute("SELECT COUNT(*) FROM timeline WHERE kind = 'alert_fired'").fetchone()[0]
        opened = db.execute("SELECT COUNT(*) FROM timeline WHERE kind = 'incident_opened'").fetchone()[0]
        assert fired == len(stored) and opened == incidents, f"timeline: {fired} fired for {len(stored)} alerts, {opened} opened"
    finally:
        db.close()
    return f"{kills} SIGKILLs, {len(acknowledged)} alerts acknowledged and stored once, {retries[0]} retries"


def slow_clients(binary, workdir, connections=300):
    """Hundreds of clients that send half a request and stall must not starve normal requests,
    and the server must close them after server.idle_timeout."""
    server = Standalone(binary, workdir, "slow", "server:\n  idle_timeout: 2s\nrunbooks:\n  path: /nonexistent\n")
    url, port = server.url, server.port
    proc = server.start()
    sockets = []
    try:
        for i in range(connections):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:  # headers that never end
                s.sendall(b"POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            else:  # a body that never arrives
                s.sendall(b"POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"version\"")
            sockets.append(s)
        latencies = []
        for _ in range(50):
            start = time.monotonic()
            code, _ = http("GET", url + "/api/v1/incidents?limit=5", timeout=5)
            latencies.append(time.monotonic() - start)
            assert code == 200, code
        latencies.sort()
        assert latencies[-1] < 2.0, f"normal requests starved: slowest {latencies[-1]:.3f}s"
        time.sleep(3.5)
        closed = 0
        for s in sockets:
            s.settimeout(1)
            try:
                data = s.recv(4096)
                closed += data == b"" or b"HTTP/1.1" in data
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
            except socket.timeout:
                pass
        assert closed == connections, f"only {closed} of {connections} stalled connections were closed"
        assert http("GET", url + "/healthz")[0] == 200
        return f"{connections} stalled connections closed after idle_timeout; 50 requests beside them, slowest {latencies[-1] * 1000:.0f} ms"
    finally:
        for s in sockets:
            s.close()
        proc.terminate()
        proc.wait(timeout=15)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    passed, failed = 0, 0
    h = Harness(sys.argv[1])

    def check(name, fn):
        nonlocal passed, failed
        try:
            fn()
            passed += 1
            print(f"ok   {name}")
        except Exception as error:  # report and continue: later checks may still say something
            failed += 1
            print(f"FAIL {name}: {error}")

    try:
        h.start()
        starts = rfc3339(-120)
        storm = [alert("ServiceMemoryLeak", "checkout", f"checkout-{i}", "warning", starts, rfc3339(300)) for i in range(3)]
        broker = [alert("KafkaBrokerDown", "kafka", "kafka-1", "critical", starts, rfc3339(300))]
        h.post_alerts(storm + broker)

        def two_incidents_open():
            return len(h.incidents("open")) == 2 and all(i["alertCount"] >= 1 for i in h.incidents("open"))

        check("alertmanager's first notifications open one incident per group",
              lambda: wait_for("two open incidents", two_incidents_open))

        def severities():
            by_title = {i["title"]: i for i in h.incidents("open")}
            assert by_title["KafkaBrokerDown on kafka"]["severity"] == "SEV1", by_title
            assert by_title["ServiceMemoryLeak on checkout"]["severity"] == "SEV3", by_title
            leak = h.incident(by_title["ServiceMemoryLeak on checkout"]["id"])
            assert len(leak["alerts"]) == 3, leak["alerts"]
            assert all(a["status"] == "firing" and a["endsAt"] is None for a in leak["alerts"])

        check("titles, severities and alerts are stored", severities)

        broker_id = next(i["id"] for i in h.incidents("open") if i["title"].startswith("KafkaBrokerDown"))

        def silence_in_alertmanager():
            reply = h.chat(f"silence {broker_id} 1h e2e maintenance")
            assert "silenced in Alertmanager for 1h" in reply, reply
            code, body = http("GET", f"{h.fh_url}/api/v1/incidents/{broker_id}/silences", headers=API)
            assert code == 200 and len(body["silences"]) == 1, (code, body)
            silence_id = body["silences"][0]["silenceID"]
            code, silence = http("GET", f"{h.am_url}/api/v2/silence/{silence_id}")
            assert code == 200 and silence["status"]["state"] == "active", (code, silence)
            matchers = {m["name"]: m["value"] for m in silence["matchers"]}
            assert matchers.get("alertname") == "KafkaBrokerDown" and matchers.get("service") == "kafka", matchers
            assert silence["comment"] == f"INC-{broker_id}: e2e maintenance" and silence["createdBy"] == "e2e", silence
            wait_for("alertmanager marks the alert silenced", lambda: any(
                a["labels"]["alertname"] == "KafkaBrokerDown" and silence_id in a["status"]["silencedBy"]
                for a in http("GET", h.am_url + "/api/v2/alerts")[1]), timeout=10)
            reply = h.chat(f"unsilence {broker_id}")
            assert f"expired in Alertmanager: {silence_id}" in reply, reply
            code, silence = http("GET", f"{h.am_url}/api/v2/silence/{silence_id}")
            assert silence["status"]["state"] == "expired", silence
            kinds = [e["kind"] for e in h.incident(broker_id)["timeline"]]
            assert kinds[-2:] == ["silenced", "unsilenced"], kinds
            # A silence someone already expired in Alertmanager's own UI still unsilences cleanly.
            h.chat(f"silence {broker_id} 10m second")
            second = http("GET", f"{h.fh_url}/api/v1/incidents/{broker_id}/silences", headers=API)[1]["silences"][0]["silenceID"]
            code, _ = http("DELETE", f"{h.am_url}/api/v2/silence/{second}")
            assert code == 200, code
            reply = h.chat(f"unsilence {broker_id}")
            assert f"expired in Alertmanager: {second}" in reply, reply

        check("silence and unsilence create and expire a silence in the real Alertmanager", silence_in_alertmanager)

        def outbox_survives_outage_and_restart():
            wait_for("earlier events delivered", lambda: [b["event"] for b, _ in h.sink.delivered()].count("unsilenced") == 2)
            h.sink.down = True
            reply = h.chat(f"ack {broker_id}")
            assert "acknowledged" in reply, reply
            wait_for("a refused delivery", lambda: 503 in h.sink.attempts("acknowledged"), timeout=10)
            assert h.stop_firehouse() == 0
            h.sink.down = False
            h.start_firehouse()
            wait_for("the acknowledgement delivered after the restart",
                     lambda: 200 in h.sink.attempts("acknowledged"), timeout=15)

        check("outbound notifications ride out a receiver outage and a restart", outbox_survives_outage_and_restart)

        leak_id = next(i["id"] for i in h.incidents("open") if i["title"].startswith("ServiceMemoryLeak"))
        before = h.incident(leak_id)

        def repeated():
            after = h.incident(leak_id)
            moved = all(a["lastSeenAt"] > b["lastSeenAt"] for a, b in zip(after["alerts"], before["alerts"]))
            return moved and after

        def repeats_change_nothing():
            after = wait_for("a repeat notification", repeated, timeout=30)
            assert len(after["timeline"]) == len(before["timeline"]), "a repeat added timeline entries"
            assert len(h.incidents("all")) == 2, "a repeat opened an incident"

        check("repeat notifications only move lastSeenAt", repeats_change_nothing)

        # Resolve one pod first (partial), then the rest.
        resolved_at = rfc3339(-1)
        h.post_alerts([dict(storm[0], endsAt=resolved_at)])

        def partially_resolved():
            inc = h.incident(leak_id)
            statuses = sorted(a["status"] for a in inc["alerts"])
            return inc["status"] == "triggered" and statuses == ["firing", "firing", "resolved"]

        check("a partial resolve resolves only that alert",
              lambda: wait_for("partial resolve", partially_resolved))

        h.post_alerts([dict(a, endsAt=resolved_at) for a in storm[1:] + broker])

        def all_resolved():
            return not h.incidents("open") and len(h.incidents("resolved")) == 2

        def resolved_check():
            wait_for("all incidents resolved", all_resolved)
            inc = h.incident(leak_id)
            assert inc["resolvedAt"] is not None
            kinds = [e["kind"] for e in inc["timeline"]]
            assert kinds[0] == "incident_opened" and kinds[-1] == "incident_resolved", kinds
            assert kinds.count("alert_fired") == 3 and kinds.count("alert_resolved") == 3, kinds

        check("resolving every alert resolves the incidents", resolved_check)

        def unauthenticated():
            code, body = http("POST", h.fh_url + "/api/v1/alertmanager", {"version": "4"})
            assert code == 401 and "error" in body, (code, body)

        check("posts without the bearer token are refused", unauthenticated)

        def api_tokens():
            url = f"{h.fh_url}/api/v1/incidents"
            code, body = http("GET", url)
            assert code == 401 and "error" in body, (code, body)
            code, _ = http("GET", url, headers={"Authorization": "Bearer not-a-token"})
            assert code == 401, code
            code, _ = http("GET", url, headers={"Authorization": f"Bearer {READ_TOKEN}"})
            assert code == 200, code
            code, body = http("POST", h.fh_url + "/api/v1/runbooks/reload", headers={"Authorization": f"Bearer {READ_TOKEN}"})
            assert code == 403, (code, body)
            code, _ = http("GET", h.fh_url + "/healthz")
            assert code == 200, code
            denied = http_text(h.fh_url + "/metrics")
            assert 'firehouse_auth_denied_total{route="/api/v1/runbooks/reload",reason="scope"} 1' in denied, denied[-2000:]

        check("API tokens: 401 without or with an unknown token, 403 without the scope, token files read", api_tokens)

        def refuses_open_non_loopback():
            open_config = os.path.join(h.dir, "open.yml")
            with open(open_config, "w") as f:
                f.write("runbooks:\n  path: /nonexistent\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("FIREHOUSE_")}
            run = subprocess.run([h.binary, "serve", "--config", open_config, "--listen", f"0.0.0.0:{free_port()}",
                                  "--database", os.path.join(h.dir, "open.sqlite")], capture_output=True, text=True, timeout=30, env=env)
            assert run.returncode == 2, run
            for key in ("api.tokens", "webhook.bearer_token", "chat.slack_signing_secret", "server.allow_unauthenticated"):
                assert key in run.stderr, run.stderr

        check("serve refuses an unauthenticated non-loopback listen address and says which keys to set", refuses_open_non_loopback)

        def check_config_cli():
            bad = os.path.join(h.dir, "bad.yml")
            with open(bad, "w") as f:
                f.write("correlation:\n  reopen_window: soon\nserver:\n  lisen: x\n")
            run = subprocess.run([h.binary, "check-config", bad], capture_output=True, text=True, timeout=30)
            assert run.returncode == 2, run
            assert "correlation.reopen_window" in run.stderr and "server.lisen: unknown key" in run.stderr, run.stderr
            good = subprocess.run([h.binary, "check-config", "config/firehouse.yml"], capture_output=True, text=True, timeout=30)
            assert good.returncode == 0 and "ok" in good.stdout, good

        check("check-config names bad keys and accepts the example", check_config_cli)

        def runbook_attached():
            inc = h.incident(leak_id)
            assert inc["runbook"]["id"] == "service-memory-leak", inc["runbook"]
            assert any(e["text"] == "runbook service-memory-leak attached" for e in inc["timeline"])

        check("the matching runbook from runbooks/ was attached", runbook_attached)

        def sighup_reloads_runbooks():
            with open(os.path.join(h.runbooks, "extra.md"), "w") as f:
                f.write("---\nid: e2e-extra\ntitle: Extra\nmatchers: ['alertname=\"E2E\"']\n---\n"
                        + "".join(f"## {s}\nx\n" for s in ["Symptoms", "Impact", "Diagnosis", "Mitigation", "Escalation", "Verification"]))
            h.firehouse.send_signal(signal.SIGHUP)
            wait_for("reloaded runbooks", lambda: any(r["id"] == "e2e-extra"
                     for r in http("GET", h.fh_url + "/api/v1/runbooks", headers=API)[1]["runbooks"]), timeout=10)
            assert h.firehouse.poll() is None, "SIGHUP stopped the server"

        check("SIGHUP reloads the runbooks without a restart", sighup_reloads_runbooks)

        def close_and_postmortem():
            # A read token may look but not close; the body's "user" is ignored: the actor is the token.
            code, body = http("POST", f"{h.fh_url}/api/v1/incidents/{leak_id}/close", {}, headers={"Authorization": f"Bearer {READ_TOKEN}"})
            assert code == 403 and "needs write" in body["error"], (code, body)
            code, body = http("POST", f"{h.fh_url}/api/v1/incidents/{leak_id}/close", {"user": "mallory"}, headers=API)
            assert code == 200 and body["postmortem"]["version"] == 1, (code, body)
            code, draft = http("GET", f"{h.fh_url}/api/v1/incidents/{leak_id}/postmortem?format=json", headers=API)
            assert code == 200 and draft["markdown"].startswith("# Post-mortem: INC-"), (code, draft)
            out = os.path.join(h.dir, "pm.md")
            run = subprocess.run([h.binary, "postmortem", str(leak_id), "--database", h.database, "--output", out],
                                 capture_output=True, text=True, timeout=30)
            assert run.returncode == 0, run
            assert open(out).read() == draft["markdown"], "CLI draft differs from the API's"
            copy = os.path.join(h.dir, "backup.sqlite")
            run = subprocess.run([h.binary, "backup", copy, "--database", h.database], capture_output=True, text=True, timeout=60)
            assert run.returncode == 0 and "integrity ok" in run.stdout, run
            run = subprocess.run([h.binary, "postmortem", str(leak_id), "--database", copy], capture_output=True, text=True, timeout=30)
            assert run.returncode == 0 and run.stdout == draft["markdown"], "the backup lacks the draft"

        check("close writes a post-mortem; the CLI reads it, and from an online backup too", close_and_postmortem)

        def outbox_delivered_everything_once():
            def every_event():
                events = [(b["incident"]["id"], b["event"]) for b, _ in h.sink.delivered()]
                return (leak_id, "closed") in events and events
            events = wait_for("the close delivered", every_event, timeout=15)
            ids = [b["delivery_id"] for b, _ in h.sink.delivered()]
            assert len(ids) == len(set(ids)), f"a delivered notification was sent again: {ids}"
            leak = [e for i, e in events if i == leak_id]
            assert leak == ["opened", "resolved", "closed"], leak
            broker = [e for i, e in events if i == broker_id]
            assert broker == ["opened", "silenced", "unsilenced", "silenced", "unsilenced", "acknowledged", "resolved"], broker
            assert all(headers["signature-ok"] for _, headers in h.sink.delivered()), "a body's signature is wrong"
            closed = next(b for b, _ in h.sink.delivered() if b["event"] == "closed")
            assert closed["text"].startswith(f":lock: *INC-{leak_id} closed* by api:e2e"), closed["text"]
            assert closed["incident"]["status"] == "closed" and closed["entry"]["kind"] == "status_changed", closed

        check("every incident event was delivered once, in order, signed", outbox_delivered_everything_once)

        check("SIGTERM under load: readiness fails first, exit 0, every 2xx stored once",
              lambda: print("     " + shutdown_under_load(h.binary, h.dir)))

        check("slow clients: stalled connections neither starve requests nor stay open",
              lambda: print("     " + slow_clients(h.binary, h.dir)))

        check("SIGKILL under load, again and again: every 2xx stored exactly once, database consistent",
              lambda: print("     " + crash_under_load(h.binary, h.dir)))
    except Exception as error:
        failed += 1
        print(f"FAIL harness: {error}")
    finally:
        h.stop()
        if failed:
            for name in ("firehouse.log", "alertmanager.log"):
                path = os.path.join(h.dir, name)
                if os.path.exists(path):
                    print(f"--- {name} (last 30 lines)")
                    print("".join(open(path).readlines()[-30:]))
        shutil.rmtree(h.dir, ignore_errors=True)
    print(f"e2e: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
