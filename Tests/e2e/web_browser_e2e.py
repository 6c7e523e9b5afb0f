#!/usr/bin/env python3
"""End-to-end: the web view in a real headless Chromium (Debian's chromium and chromium-driver,
PyPI's selenium and axe-selenium-python), against the real binary on a temporary database.

Signs in with API tokens through the login form, then checks: the list against the JSON API after
a storm; the timeline against the API; a change made in chat while the page is open shows up;
each form action works, and is refused without the CSRF token or the scope; hostile titles,
labels and annotations render as text (no script, no handler attribute, no javascript: link, no
dialog); axe finds no WCAG 2 A/AA violations in light and dark mode; nothing overflows at
390x844; no severe console messages; the security headers are present. A screenshot of each page
is written to .build/web-screenshots/.

Each check runs on its own and prints PASS/FAIL; the exit status is 0 only when all passed.
Usage: web_browser_e2e.py PATH-TO-firehouse-BINARY
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from axe_selenium_python import Axe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "FirehouseServerTests", "Fixtures")
SHOTS = os.path.join(ROOT, ".build", "web-screenshots")
WRITE_TOKEN = "web-e2e-write-token-0123456789"
READ_TOKEN = "web-e2e-read-token-0123456789"
WEBHOOK_TOKEN = "web-e2e-webhook-token"
CHAT_TOKEN = "web-e2e-chat-token"


def swapping(error):
    """While the browser swaps documents after a post, chromedriver reports an element of the old
    one either as stale or, from its inspector, as a node that no longer belongs to the document."""
    return isinstance(error, StaleElementReferenceException) or (
        isinstance(error, WebDriverException) and "does not belong to the document" in str(error))

def left_document(element):
    try:
        element.is_enabled()
        return False
    except WebDriverException as error:
        if swapping(error):
            return True
        raise

def while_swapping(condition, d):
    try:
        return condition(d)
    except WebDriverException as error:
        if swapping(error):
            return False
        raise


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, headers=None):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


class Failed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failed(message)


class Server:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="firehouse-web-e2e-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(self.dir, "firehouse.yml")
        with open(config, "w") as f:
            f.write(f"""
database: {{path: {self.dir}/firehouse.sqlite}}
runbooks: {{path: {ROOT}/runbooks}}
webhook: {{bearer_token: {WEBHOOK_TOKEN}}}
chat: {{token: {CHAT_TOKEN}}}
api:
  tokens:
    - {{name: alice, token: {WRITE_TOKEN}, scopes: [write]}}
    - {{name: viewer, token: {READ_TOKEN}, scopes: [read]}}
ui: {{poll_interval: 1s}}
""")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--config", config, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                if request("GET", self.url + "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("firehouse did not get ready")

    def webhook(self, name):
        with open(os.path.join(FIXTURES, name + ".json"), "rb") as f:
            status, body, _ = request("POST", self.url + "/api/v1/alertmanager", f.read(),
                                      {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"})
        expect(status == 200, f"webhook {name}: {status} {body[:200]}")

    def api(self, path):
        status, body, _ = request("GET", self.url + path, headers={"Authorization": f"Bearer {READ_TOKEN}"})
        expect(status == 200, f"GET {path}: {status}")
        return json.loads(body)

    def chat(self, text):
        status, body, _ = request("POST", self.url + "/api/v1/chat", {"text": text, "user": "carol", "token": CHAT_TOKEN})
        expect(status == 200, f"chat {text!r}: {status} {body[:200]}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def sign_in(driver, server, token):
    driver.delete_all_cookies()
    driver.get(server.url + "/ui/incidents")
    expect("/ui/login" in driver.current_url, f"not sent to sign in: {driver.current_url}")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/ui/login'] button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/ui/login" not in d.current_url)


def no_dialog(driver):
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise Failed(f"a dialog opened: {text!r}")
    except NoAlertPresentException:
        pass


def post_from_page(driver, path, fields):
    """POSTs a form body from the page's own origin with fetch; returns the status."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: "POST", credentials: "same-origin", redirect: "manual",
              headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: new URLSearchParams(arguments[1])})
          .then(r => done(r.status)).catch(e => done(String(e)));
    """, path, fields)


def main():
    binary = sys.argv[1]
    os.makedirs(SHOTS, exist_ok=True)
    server = Server(binary)
    driver = browser()
    results = []

    def check(name, fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}", flush=True)
        except Exception as error:  # every check reports, the run goes on
            results.append((name, error))
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)

    try:
        for name in ["01-single-critical--firing", "02-alert-storm--firing-5-alerts", "06-unicode-long-annotations--firing",
                     "hostile-web--firing"]:
            server.webhook(name)
        sign_in(driver, server, WRITE_TOKEN)
        pages = {
            "incidents": "/ui/incidents", "incidents-all": "/ui/incidents?status=all", "incident": "/ui/incidents/1",
            "hostile": "/ui/incidents/4", "runbooks": "/ui/runbooks", "runbook": "/ui/runbooks/kafka-broker-down",
            "stats": "/ui/stats",
        }

        def list_matches_api():
            driver.get(server.url + "/ui/incidents?status=open")
            shown = [(row.get_attribute("data-ref"), row.find_element(By.CSS_SELECTOR, "td.status").text)
                     for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-ref]")]
            api = [(i["ref"], i["status"]) for i in server.api("/api/v1/incidents?status=open")["incidents"]]
            expect(shown == api, f"list {shown} != API {api}")
            counts = {a.text.split()[0]: int(a.text.split()[1]) for a in driver.find_elements(By.CSS_SELECTOR, "ul.counts a")}
            expect(counts["open"] == len(api), f"open count {counts['open']} != {len(api)}")
        check("the list matches the JSON API after a storm", list_matches_api)

        def timeline_matches_api():
            driver.get(server.url + "/ui/incidents/2")
            shown = [li.find_element(By.CSS_SELECTOR, ".kind").text for li in driver.find_elements(By.CSS_SELECTOR, "#timeline > li")]
            api = [e["kind"] for e in server.api("/api/v1/incidents/2/timeline")["timeline"]]
            expect(shown == api, f"timeline {shown} != API {api}")
        check("the timeline matches the API", timeline_matches_api)

        def hostile_is_text():
            driver.get(server.url + "/ui/incidents/4")
            no_dialog(driver)
            title = driver.find_element(By.ID, "incident-title").text
            expect(title == '<b onclick=alert(4)>pwned</b> " onmouseover="alert(5)', f"title rendered as {title!r}")
            expect(driver.find_elements(By.CSS_SELECTOR, "main script") == [], "a script element in the page body")
            handlers = driver.execute_script(
                "return [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length")
            expect(handlers == 0, f"{handlers} elements with event-handler attributes")
            links = driver.execute_script(
                "return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => /^\\s*javascript:/i.test(h))")
            expect(links == [], f"javascript: links {links}")
            driver.get(server.url + "/ui/incidents?status=all")
            no_dialog(driver)
            expect(driver.find_elements(By.CSS_SELECTOR, "main script, main img") == [], "markup from alert data in the list")
        check("hostile titles, labels and annotations render as text", hostile_is_text)

        def chat_change_shows_up():
            driver.get(server.url + "/ui/incidents/1")
            notice = driver.find_element(By.ID, "live")
            expect(not notice.is_displayed(), "the change notice shows before any change")
            server.chat("ack 1")
            WebDriverWait(driver, 15).until(expected_conditions.visibility_of(notice))
            driver.find_element(By.CSS_SELECTOR, "#live a").click()
            WebDriverWait(driver, 10).until(
                lambda d: while_swapping(lambda d: d.find_element(By.ID, "incident-status").text == "acknowledged", d))
        check("a change made in chat while the page is open shows up", chat_change_shows_up)

        def forms_work():
            def submit(selector, done):
                """Clicks and waits for the page after the redirect: the clicked button goes stale first, so
                a check cannot pass on the page that is still being left."""
                button = driver.find_element(By.CSS_SELECTOR, selector)
                button.click()
                WebDriverWait(driver, 10).until(lambda d: left_document(button))
                WebDriverWait(driver, 10).until(lambda d: while_swapping(done, d))

            driver.get(server.url + "/ui/incidents/2")
            driver.find_element(By.ID, "note").send_keys("written in the browser")
            submit("form textarea#note ~ button", lambda d: "done=note" in d.current_url)
            expect("Note added to the timeline." in driver.page_source, "no notice after the note")
            entries = server.api("/api/v1/incidents/2/timeline")["timeline"]
            expect(entries[-1]["text"] == "written in the browser" and entries[-1]["actor"] == "alice", f"last entry {entries[-1]}")
            submit("button[value=acknowledge]", lambda d: d.find_element(By.ID, "incident-status").text == "acknowledged")
            driver.find_element(By.ID, "assign-user").send_keys("@dave")
            submit("#assign-user ~ button", lambda d: "done=assign" in d.current_url)
            expect("dave" in driver.find_element(By.TAG_NAME, "main").text, "the role holder is not shown")
            select = driver.find_element(By.ID, "severity")
            select.find_element(By.CSS_SELECTOR, "option[value=SEV1]").click()
            submit("#severity ~ button", lambda d: "done=severity" in d.current_url)
            expect(server.api("/api/v1/incidents/2")["severity"] == "SEV1", "severity not changed")
            for move, status in [("resolve", "resolved"), ("close", "closed")]:
                submit(f"button[value={move}]", lambda d, status=status: d.find_element(By.ID, "incident-status").text == status)
            expect(server.api("/api/v1/incidents/2")["status"] == "closed", "not closed")
            driver.find_element(By.LINK_TEXT, "version 1").click()
            WebDriverWait(driver, 10).until(lambda d: "/postmortem" in d.current_url)
            expect(driver.find_element(By.TAG_NAME, "h1").text.startswith("Post-mortem: INC-2"), "no post-mortem heading")
            expect("Summary" in [h.text for h in driver.find_elements(By.TAG_NAME, "h2")], "no Summary section")
            pages["postmortem"] = "/ui/incidents/2/postmortem"
        check("each form action works", forms_work)

        def refused_without_csrf_or_scope():
            driver.get(server.url + "/ui/incidents/3")
            status = post_from_page(driver, "/ui/incidents/3/actions", {"action": "note", "text": "no token"})
            expect(status == 403, f"without the CSRF token: {status}")
            csrf = driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
            status = post_from_page(driver, "/ui/incidents/3/actions", {"csrf": "0" * 64, "action": "note", "text": "wrong"})
            expect(status == 403, f"with a wrong CSRF token: {status}")
            sign_in(driver, server, READ_TOKEN)
            driver.get(server.url + "/ui/incidents/3")
            expect(driver.find_elements(By.CSS_SELECTOR, "form[action$='/actions']") == [], "a reader sees action forms")
            csrf = driver.find_element(By.CSS_SELECTOR, "form[action='/ui/logout'] input[name=csrf]").get_attribute("value")
            status = post_from_page(driver, "/ui/incidents/3/actions", {"csrf": csrf, "action": "note", "text": "reader"})
            expect(status == 403, f"a reader's post: {status}")
            texts = [e["text"] for e in server.api("/api/v1/incidents/3/timeline")["timeline"]]
            expect(not any(t in texts for t in ["no token", "wrong", "reader"]), f"a refused note was written: {texts}")
            sign_in(driver, server, WRITE_TOKEN)
        check("forms are refused without the CSRF token or the scope", refused_without_csrf_or_scope)

        def security_headers():
            for path in ["/ui/incidents", "/ui/incidents/1", "/ui/login"]:
                _, _, headers = request("GET", server.url + path)
                csp = headers.get("Content-Security-Policy", "")
                expect("script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, f"{path}: CSP {csp!r}")
                expect(headers.get("X-Content-Type-Options") == "nosniff", f"{path}: nosniff")
                expect(headers.get("Referrer-Policy") == "same-origin", f"{path}: Referrer-Policy")
                expect(headers.get("X-Frame-Options") == "DENY", f"{path}: X-Frame-Options")
        check("the security headers are present", security_headers)

        def accessible_light_and_dark():
            problems = []
            for scheme in ["light", "dark"]:
                driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
                for name, path in pages.items():
                    driver.get(server.url + path)
                    axe = Axe(driver)
                    axe.inject()
                    report = axe.run(options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
                    for violation in report["violations"]:
                        targets = [n["target"] for n in violation["nodes"]][:3]
                        problems.append(f"{scheme} {name}: {violation['id']} ({violation['help']}) at {targets}")
                    driver.save_screenshot(os.path.join(SHOTS, f"{name}-{scheme}.png"))
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
            expect(problems == [], "; ".join(problems))
        check("axe finds no violations in light and dark mode", accessible_light_and_dark)

        def fits_a_phone():
            driver.set_window_size(390, 844)
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
            wide = []
            for name, path in pages.items():
                driver.get(server.url + path)
                scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    wide.append(f"{name}: {scroll} > {inner}")
                driver.save_screenshot(os.path.join(SHOTS, f"{name}-phone.png"))
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.set_window_size(1280, 900)
            expect(wide == [], f"horizontal scrolling at 390 px: {wide}")
        check("no horizontal overflow at 390x844", fits_a_phone)

        def quiet_console():
            driver.get_log("browser")  # the refused posts above logged their 403s on purpose
            for path in pages.values():
                driver.get(server.url + path)
            severe = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
            expect(severe == [], f"severe console messages: {severe}")
        check("no severe console messages", quiet_console)
    finally:
        driver.quit()
        server.stop()
    failed = [name for name, error in results if error]
    print(f"web e2e: {len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
