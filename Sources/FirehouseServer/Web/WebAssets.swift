import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The web view's stylesheet, script and icon, embedded in the binary (no build step, nothing to
/// deploy beside it). Served under `/ui/static/` with an ETag; pages name them with `?v=<etag>`
/// so a new binary's files are fetched at once.
enum WebAssets {
    struct Asset: Sendable {
        var contentType: String
        var body: String
        var etag: String

        init(_ contentType: String, _ body: String) {
            self.contentType = contentType
            self.body = body
            self.etag = SHA256.hash(data: Data(body.utf8)).prefix(8).hex
        }
    }

    static let all: [String: Asset] = [
        "app.css": Asset("text/css; charset=utf-8", css),
        "app.js": Asset("text/javascript; charset=utf-8", script),
        "favicon.svg": Asset("image/svg+xml", favicon),
    ]

    /// Cache-busting version of every asset together.
    static let version: String = all.keys.sorted().map { all[$0]!.etag }.joined().prefix(12).description

    static let css = """
    :root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
      --link: #0550ae; --sev1: #a40e26; --sev2: #953800; --sev3: #7d4e00; --sev4: #0a3069; --sev5: #424a53;
      --ok: #116329; --warn-bg: #fff8c5; --err-bg: #ffebe9; --focus: #0969da; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --link: #4493f8;
        --sev1: #ff8182; --sev2: #ffa657; --sev3: #e3b341; --sev4: #79c0ff; --sev5: #b7bdc8; --ok: #56d364;
        --warn-bg: #3b2e00; --err-bg: #42161b; --focus: #4493f8; }
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    a { color: var(--link); }
    a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 2px solid var(--focus); outline-offset: 2px; }
    header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
    header.top .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
    header.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
    header.top nav a[aria-current="page"] { font-weight: 700; }
    header.top .who { margin-left: auto; display: flex; align-items: center; gap: .5rem; color: var(--muted); }
    main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.4rem; margin: .25rem 0 .75rem; overflow-wrap: anywhere; }
    h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
    .muted { color: var(--muted); }
    .table { overflow-x: auto; max-width: 100%; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
    th { font-weight: 600; white-space: nowrap; }
    .counts { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0 0 1rem; list-style: none; }
    .counts a { display: inline-block; padding: .2rem .6rem; border: 1px solid var(--line); border-radius: 1rem; text-decoration: none; }
    .counts a[aria-current="page"] { background: var(--panel); font-weight: 700; }
    .sev { display: inline-block; padding: 0 .4rem; border: 1px solid currentColor; border-radius: .3rem; font-weight: 700; font-size: .85rem; white-space: nowrap; }
    .sev-1 { color: var(--sev1); } .sev-2 { color: var(--sev2); } .sev-3 { color: var(--sev3); } .sev-4 { color: var(--sev4); } .sev-5 { color: var(--sev5); }
    .status { white-space: nowrap; }
    .overspent { color: var(--sev1); font-weight: 700; }
    .drill { display: inline-block; padding: 0 .4rem; border: 1px dashed currentColor; border-radius: .3rem; font-weight: 700; font-size: .8rem; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    .labels { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .25rem; }
    .labels li { background: var(--panel); border: 1px solid var(--line); border-radius: .3rem; padding: 0 .3rem; font-size: .85rem; overflow-wrap: anywhere; }
    .notice { padding: .5rem .75rem; border: 1px solid var(--line); border-radius: .4rem; margin: 0 0 1rem; }
    .notice.error { background: var(--err-bg); }
    .notice.live { background: var(--warn-bg); }
    .notice[hidden] { display: none; }
    .actions { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .75rem; }
    .actions form { border: 1px solid var(--line); border-radius: .4rem; padding: .6rem; background: var(--panel); }
    .actions form.moves { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; }
    label { display: block; font-size: .9rem; margin: .25rem 0 .1rem; }
    input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: .3rem; padding: .3rem .5rem; max-width: 100%; }
    input[type="text"], input[type="password"], textarea, select { width: 100%; }
    button { cursor: pointer; background: var(--panel); font-weight: 600; margin-top: .4rem; }
    form.inline { display: inline; }
    form.inline button { margin: 0; }
    details { margin: .25rem 0; }
    pre { background: var(--panel); padding: .5rem; overflow-x: auto; border-radius: .3rem; }
    code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
    .doc { max-width: 52rem; overflow-wrap: anywhere; }
    .doc table { width: auto; }
    ol.timeline { list-style: none; padding: 0; margin: 0; }
    ol.timeline li { padding: .3rem 0; border-bottom: 1px solid var(--line); }
    ol.timeline .kind { font-weight: 600; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 1rem; }
    figure { margin: 0; }
    figcaption { font-weight: 600; margin-bottom: .25rem; }
    svg.chart { width: 100%; height: auto; }
    svg.chart rect { fill: var(--link); }
    svg.chart text { fill: var(--muted); font-size: 10px; }
    .login { max-width: 26rem; }
    .pager { margin-top: 1rem; }
    td.ref { white-space: nowrap; }
    @media (max-width: 40rem) {
      th.wide, td.wide { display: none; }
      main { padding: .75rem; }
      /* On a phone each incident is a small card: ref, severity, status, opened on one line, the title below. */
      table.incidents thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      table.incidents tr { display: grid; grid-template-columns: auto auto 1fr auto; gap: .1rem .6rem; padding: .5rem 0; border-bottom: 1px solid var(--line); }
      table.incidents td { border: 0; padding: 0; }
      table.incidents td.title { grid-column: 1 / -1; grid-row: 2; }
    }
    """

    /// Polls only while the tab is visible, and never repaints under the user: when the page's
    /// data changed it shows a notice with a reload link (focus and scroll stay where they are).
    static let script = """
    (function () {
      "use strict";
      var body = document.body;
      var url = body.getAttribute("data-poll");
      var version = body.getAttribute("data-version");
      var every = (parseInt(body.getAttribute("data-poll-seconds"), 10) || 10) * 1000;
      var notice = document.getElementById("live");
      if (!url || !version || !notice) { return; }
      var timer = null;
      var changed = false;
      function check() {
        timer = null;
        if (changed || document.visibilityState !== "visible") { return; }
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (answer) {
            if (answer && answer.version && answer.version !== version) {
              changed = true;
              notice.hidden = false;
              return;
            }
            schedule();
          })
          .catch(function () { schedule(); });
      }
      function schedule() {
        if (!changed && timer === null && document.visibilityState === "visible") { timer = setTimeout(check, every); }
      }
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") { if (timer === null) { check(); } }
        else if (timer !== null) { clearTimeout(timer); timer = null; }
      });
      schedule();
    })();
    """

    static let favicon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#a40e26"/>\
    <path d="M16 5c1 5 7 8 7 14a7 7 0 0 1-14 0c0-3 2-5 3-6 0 3 1 4 3 5-1-4 0-9 1-13z" fill="#fff"/></svg>
    """
}
