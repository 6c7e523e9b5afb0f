import FirehouseCore
@testable import FirehouseServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The web view through the router: sign-in, sessions, scopes, CSRF, forms acting through the
/// domain service, hostile data rendered as text, and the headers every page sends.
struct WebRouteTests {
    static let readToken = "read-token-0123456789abcdef"
    static let writeToken = "write-token-0123456789abcdef"

    static func tokens(_ config: inout FirehouseConfig) {
        config.api.tokens = [
            .init(name: "viewer", token: readToken, scopes: [.read]),
            .init(name: "alice", token: writeToken, scopes: [.write]),
        ]
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// `name=value` of a `Set-Cookie` the response sent.
    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }.map { String($0.prefix { $0 != ";" }) }
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\(WebFormat.query($0.1))" }.joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in with `token` and returns the `Cookie` header value (session and CSRF cookies) and the CSRF token.
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> (cookies: String, csrf: String) {
        let page = try await client.get("/ui/login?next=/ui/incidents")
        #expect(page.status == .ok)
        let csrfCookie = try #require(cookie(page, WebAccess.csrfCookie))
        let formToken = try #require(Self.csrf(in: text(page)))
        var headers = formHeaders
        headers[.cookie] = csrfCookie
        let login = try await client.execute(uri: "/ui/login", method: .post, headers: headers,
                                             body: form([("csrf", formToken), ("next", "/ui/incidents/1"), ("token", token)]))
        #expect(login.status == .seeOther)
        #expect(login.headers[.location] == "/ui/incidents/1")
        let session = try #require(cookie(login, WebAccess.sessionCookie))
        let setCookie = try #require(login.headers[values: .setCookie].first)
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/ui"))
        return ("\(session); \(csrfCookie)", formToken)
    }

    @Test func openOnLoopbackWithoutTokens() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let root = try await client.get("/ui")
            #expect(root.status == .seeOther && root.headers[.location] == "/ui/incidents")
            let list = try await client.get("/ui/incidents")
            #expect(list.status == .ok)
            let html = Self.text(list)
            #expect(html.contains(#"<a href="/ui/incidents/1">INC-1</a>"#))
            #expect(html.contains("Kafka broker kafka-2 is down"))
            #expect(html.contains(#"<html lang="en">"#))
            // Counts per status are the filter links.
            #expect(html.contains(#"<a href="/ui/incidents?status=triggered">triggered <span class="muted">1</span></a>"#))
            let resolved = Self.text(try await client.get("/ui/incidents?status=resolved"))
            #expect(!resolved.contains("INC-1</a>") && resolved.contains("No incidents here."))
            #expect(try await client.get("/ui/incidents?status=bogus").status == .badRequest)
        }
    }

    @Test(arguments: ["/ui/incidents", "/ui/incidents/1", "/ui/runbooks", "/ui/stats", "/ui/login", "/ui/incidents/99"])
    func everyPageSendsTheSecurityHeaders(_ path: String) async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let response = try await client.get(path)
            #expect(response.status == (path.hasSuffix("99") ? .notFound : path == "/ui/login" ? .seeOther : .ok))
            let csp = response.headers[.contentSecurityPolicy] ?? ""
            #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"))
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            if response.status != .seeOther {
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(!Self.text(response).contains(" style=\""), "inline styles are refused by the CSP")
            }
        }
    }

    @Test func staticFilesHaveETags() async throws {
        try await withApp { client in
            for name in ["app.css", "app.js", "favicon.svg"] {
                let response = try await client.get("/ui/static/\(name)")
                #expect(response.status == .ok)
                let etag = try #require(response.headers[.eTag])
                let again = try await client.get("/ui/static/\(name)", headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
            #expect(try await client.get("/ui/static/../README.md").status == .notFound)
            #expect(try await client.get("/ui/static/nope.js").status == .notFound)
        }
    }

    @Test func hostileAlertDataRendersAsText() async throws {
        try await withApp({ $0.alertmanager.url = "http://am:9093" }) { client in
            #expect(try await client.post("/api/v1/alertmanager", try fixtureBytes("hostile-web--firing")).status == .ok)
            for path in ["/ui/incidents", "/ui/incidents/1"] {
                let html = Self.text(try await client.get(path))
                // The only script element is the page's own file; no handler attribute, no javascript: link.
                #expect(html.components(separatedBy: "<script").count == 2, "\(path)")
                #expect(!html.contains("<img"), "\(path)")
                #expect(!html.contains("<b onclick"), "\(path)")
                #expect(!html.lowercased().contains("href=\"javascript:"), "\(path)")
                #expect(!html.contains("\" onmouseover=\""), "\(path)")
                #expect(html.contains("&lt;b onclick=alert(4)&gt;pwned&lt;/b&gt; &quot; onmouseover=&quot;alert(5)"), "\(path)")
            }
            let detail = Self.text(try await client.get("/ui/incidents/1"))
            #expect(detail.contains("<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"))
            #expect(detail.contains("x&quot; onmouseover=&quot;alert(2)"))
            #expect(!detail.contains(">source</a>"), "a javascript: generator URL is not a link")
            // The Alertmanager silence link carries the labels percent-encoded.
            #expect(detail.contains("http://am:9093/#/silences/new?filter=%7Balertname%3D%22%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22"))
        }
    }

    /// The same attacks with a combining mark after `"` and U+0600 (a prepend) before `<`: each makes
    /// one `Character` that is not `"` or `<`, and Mustache's own escaping let it through raw. The
    /// checks search bytes, since `String.contains` would be fooled the same way.
    @Test func hostileTextWithMarksRendersAsText() async throws {
        try await withApp({ $0.alertmanager.url = "http://am:9093" }) { client in
            #expect(try await client.post("/api/v1/alertmanager", try fixtureBytes("hostile-web-marks--firing")).status == .ok)
            for path in ["/ui/incidents", "/ui/incidents/1", "/ui/stats?service=x%22%CC%81%20autofocus%20onfocus%3D%22%CC%81alert(8)"] {
                let html = Array(Self.text(try await client.get(path)).utf8)
                for raw in ["\"\u{301}", "<img", "<meta http-equiv", "\u{600}<"] {
                    let found = Self.bytes(html, contain: raw)
                    #expect(!found, "\(path): raw \(raw.debugDescription)")
                }
            }
            let detail = Self.text(try await client.get("/ui/incidents/1"))
            let escapedAttribute = Self.bytes(Array(detail.utf8), contain: "x&quot;\u{301} onmouseover=&quot;\u{301}alert(2)")
            let escapedTag = Self.bytes(Array(detail.utf8), contain: "\u{600}&lt;meta")
            #expect(escapedAttribute && escapedTag)
            // The silence link's matcher escapes the quote, so Alertmanager reads the value whole.
            #expect(detail.contains("x%5C%22%CC%81%20onmouseover%3D%5C%22%CC%81alert%282%29"))
        }
    }

    static func bytes(_ haystack: [UInt8], contain needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    @Test func pagesNeedASignInOnceTokensExist() async throws {
        try await withApp(Self.tokens) { client in
            let page = try await client.get("/ui/incidents?status=all")
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/ui/login?next=%2Fui%2Fincidents%3Fstatus%3Dall")
            // A form post without a session is refused, not redirected.
            #expect(try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: Self.formHeaders,
                                             body: Self.form([("action", "note"), ("text", "x")])).status == .unauthorized)
            #expect(try await client.get("/ui/changes?incident=1").status == .unauthorized)
            // A forged cookie is nobody.
            let forged = try await client.get("/ui/incidents", headers: [.cookie: "fh_session=YWxpY2U.99999999999.AAAA"])
            #expect(forged.status == .seeOther)
        }
    }

    @Test func signInRefusesUnknownTokensAndMissingCSRF() async throws {
        try await withApp(Self.tokens) { client in
            let page = try await client.get("/ui/login")
            let csrfCookie = try #require(Self.cookie(page, WebAccess.csrfCookie))
            let csrf = try #require(Self.csrf(in: Self.text(page)))
            var headers = Self.formHeaders
            headers[.cookie] = csrfCookie
            let wrong = try await client.execute(uri: "/ui/login", method: .post, headers: headers,
                                                 body: Self.form([("csrf", csrf), ("token", "not-a-token-0123456789")]))
            #expect(wrong.status == .unauthorized)
            #expect(Self.cookie(wrong, WebAccess.sessionCookie) == nil)
            #expect(Self.text(wrong).contains("That token is not known here."))
            let noCSRF = try await client.execute(uri: "/ui/login", method: .post, headers: headers,
                                                  body: Self.form([("token", Self.writeToken)]))
            #expect(noCSRF.status == .forbidden)
            #expect(Self.cookie(noCSRF, WebAccess.sessionCookie) == nil)
            // An open redirect through `next` is not possible.
            let away = try await client.execute(uri: "/ui/login", method: .post, headers: headers,
                                                body: Self.form([("csrf", csrf), ("token", Self.writeToken), ("next", "https://evil.example/")]))
            #expect(away.headers[.location] == "/ui/incidents")
        }
    }

    @Test func aWriterActsFromThePageAndTheActorIsTheSignedInToken() async throws {
        try await withApp(Self.tokens) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"),
                                      headers: [.contentType: "application/json"])
            let (cookies, csrf) = try await Self.signIn(client, token: Self.writeToken)
            let page = try await client.get("/ui/incidents/1", headers: [.cookie: cookies])
            #expect(page.status == .ok)
            #expect(Self.text(page).contains("Signed in as <strong>alice</strong>"))
            #expect(Self.text(page).contains(#"value="acknowledge">Acknowledge</button>"#))
            var headers = Self.formHeaders
            headers[.cookie] = cookies
            let ack = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                               body: Self.form([("csrf", csrf), ("action", "move"), ("move", "acknowledge")]))
            #expect(ack.status == .seeOther)
            #expect(ack.headers[.location] == "/ui/incidents/1?done=move")
            let after = Self.text(try await client.get("/ui/incidents/1?done=move", headers: [.cookie: cookies]))
            #expect(after.contains("Status changed."))
            #expect(after.contains(#"id="incident-status">acknowledged<"#))
            let api = try json(try await client.get("/api/v1/incidents/1", headers: [.authorization: "Bearer \(Self.readToken)"]))
            let timeline = try #require(api["timeline"] as? [[String: Any]])
            #expect(timeline.last?["actor"] as? String == "alice")
            // A note, a role and a severity, each through the same service.
            for fields in [[("action", "note"), ("text", "from the page")], [("action", "assign"), ("role", "commander"), ("user", "@bob")],
                           [("action", "severity"), ("severity", "SEV1")]] {
                let done = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                                    body: Self.form([("csrf", csrf)] + fields))
                #expect(done.status == .seeOther, "\(fields)")
            }
            let detail = Self.text(try await client.get("/ui/incidents/1", headers: [.cookie: cookies]))
            #expect(detail.contains("from the page") && detail.contains("<strong>commander</strong>: bob") && detail.contains("sev sev-1"))
            let list = Self.text(try await client.get("/ui/incidents", headers: [.cookie: cookies]))
            #expect(list.contains(#"<td class="wide">bob</td>"#), "the list shows the commander")
        }
    }

    @Test func refusedMovesShowTheReasonAndThePossibleMoves() async throws {
        try await withApp(Self.tokens) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            let (cookies, csrf) = try await Self.signIn(client, token: Self.writeToken)
            var headers = Self.formHeaders
            headers[.cookie] = cookies
            let refused = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                                   body: Self.form([("csrf", csrf), ("action", "move"), ("move", "mitigate")]))
            #expect(refused.status == .conflict)
            #expect(Self.text(refused).contains("cannot mitigate INC-1: it is resolved (possible: close, reopen)."))
            let bad = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                               body: Self.form([("csrf", csrf), ("action", "severity"), ("severity", "SEV9")]))
            #expect(bad.status == .badRequest)
        }
    }

    @Test func formsAreRefusedWithoutTheCSRFTokenOrTheScope() async throws {
        try await withApp(Self.tokens) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let writer = try await Self.signIn(client, token: Self.writeToken)
            var headers = Self.formHeaders
            headers[.cookie] = writer.cookies
            let ack = Self.form([("action", "move"), ("move", "acknowledge")])
            #expect(try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers, body: ack).status == .forbidden)
            let wrong = Self.form([("csrf", String(repeating: "0", count: 64)), ("action", "move"), ("move", "acknowledge")])
            #expect(try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers, body: wrong).status == .forbidden)
            var crossSite = headers
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let good = Self.form([("csrf", writer.csrf), ("action", "move"), ("move", "acknowledge")])
            #expect(try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: crossSite, body: good).status == .forbidden)
            // A reader sees no forms and is refused when posting one anyway.
            let reader = try await Self.signIn(client, token: Self.readToken)
            let page = Self.text(try await client.get("/ui/incidents/1", headers: [.cookie: reader.cookies]))
            #expect(!page.contains("/ui/incidents/1/actions"))
            headers[.cookie] = reader.cookies
            let refused = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                                   body: Self.form([("csrf", reader.csrf), ("action", "move"), ("move", "acknowledge")]))
            #expect(refused.status == .forbidden)
            // Nothing changed.
            let api = try json(try await client.get("/api/v1/incidents/1", headers: [.authorization: "Bearer \(Self.readToken)"]))
            #expect(api["status"] as? String == "triggered")
        }
    }

    @Test func sessionsExpireAndEndWithTheirToken() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-11-25T15:00:00Z")!)
        try await withApp({ Self.tokens(&$0); $0.ui.sessionTTL = .hours(1) }, clock: clock) { client in
            let (cookies, _) = try await Self.signIn(client, token: Self.readToken)
            #expect(try await client.get("/ui/runbooks", headers: [.cookie: cookies]).status == .ok)
            clock.advance(.minutes(61))
            #expect(try await client.get("/ui/runbooks", headers: [.cookie: cookies]).status == .seeOther)
        }
        // The same cookie against a server whose token has another secret: refused.
        let session = try await withSession(token: Self.readToken)
        try await withApp({ $0.api.tokens = [.init(name: "viewer", token: "rotated-secret-0123456789", scopes: [.read])] }) { client in
            let status = try await client.get("/ui/runbooks", headers: [.cookie: session]).status
            #expect(status == .seeOther)
        }
    }

    /// A session cookie made by a server with the test tokens.
    private func withSession(token: String) async throws -> String {
        let box = Box()
        try await withApp(Self.tokens) { client in box.value = try await Self.signIn(client, token: token).cookies }
        return box.value
    }

    private final class Box: @unchecked Sendable { var value = "" }

    @Test func logoutClearsTheSession() async throws {
        try await withApp(Self.tokens) { client in
            let (cookies, csrf) = try await Self.signIn(client, token: Self.readToken)
            var headers = Self.formHeaders
            headers[.cookie] = cookies
            let out = try await client.execute(uri: "/ui/logout", method: .post, headers: headers, body: Self.form([("csrf", csrf)]))
            #expect(out.status == .seeOther && out.headers[.location] == "/ui/login")
            let cleared = try #require(out.headers[values: .setCookie].first { $0.hasPrefix("fh_session=") })
            #expect(cleared.hasPrefix("fh_session=;") && cleared.contains("Max-Age=0"))
        }
    }

    @Test func aProxyHeaderCountsOnlyFromATrustedProxy() async throws {
        // The router test channel has no peer address, so it is not a trusted proxy: the header is ignored.
        try await withApp({ Self.tokens(&$0); $0.ui.trustedUserHeader = "X-Forwarded-User"; $0.ui.trustedProxies = ["127.0.0.1"] }) { client in
            let response = try await client.get("/ui/incidents", headers: [HTTPField.Name("X-Forwarded-User")!: "mallory"])
            #expect(response.status == .unauthorized)
            #expect(!Self.text(response).contains("mallory"))
        }
    }

    @Test func aTrustedProxyNamesTheActor() async throws {
        let (config, dir) = testConfig {
            $0.ui.trustedUserHeader = "X-Forwarded-User"
            $0.ui.trustedProxies = ["127.0.0.0/8", "::1"]
            $0.ui.proxyScope = .write
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = try buildApplication(config: config, clock: FixedClock(Timestamp(rfc3339: "2026-11-25T15:00:00Z")!), http: FakeHTTP())
        try await app.test(.live) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let user: HTTPFields = [HTTPField.Name("X-Forwarded-User")!: "carol@example.com"]
            let page = try await client.get("/ui/incidents/1", headers: user)
            #expect(page.status == .ok)
            let html = Self.text(page)
            #expect(html.contains("Signed in as <strong>carol@example.com</strong>"))
            let csrfCookie = try #require(Self.cookie(page, WebAccess.csrfCookie))
            var headers = Self.formHeaders
            headers[.cookie] = csrfCookie
            headers[HTTPField.Name("X-Forwarded-User")!] = "carol@example.com"
            let note = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                                body: Self.form([("csrf", try #require(Self.csrf(in: html))), ("action", "note"), ("text", "via proxy")]))
            #expect(note.status == .seeOther)
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline"))["timeline"] as? [[String: Any]]
            #expect(timeline?.last?["actor"] as? String == "carol@example.com")
            #expect(try await client.get("/ui/incidents").status == .unauthorized, "no header: nobody")
            var twice = HTTPFields()
            twice.append(HTTPField(name: HTTPField.Name("X-Forwarded-User")!, value: "mallory"))
            twice.append(HTTPField(name: HTTPField.Name("X-Forwarded-User")!, value: "carol@example.com"))
            #expect(try await client.get("/ui/incidents", headers: twice).status == .unauthorized, "a repeated header: nobody")
        }
    }

    @Test func changesTellWhenAPageIsStale() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let page = Self.text(try await client.get("/ui/incidents/1"))
            let version = try #require(page.range(of: #"data-version=""#).map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            let same = try json(try await client.get("/ui/changes?incident=1"))
            #expect(same["version"] as? String == version)
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            let changed = try json(try await client.get("/ui/changes?incident=1"))
            #expect(changed["version"] as? String != version)
            let list = Self.text(try await client.get("/ui/incidents?status=all"))
            #expect(list.contains(#"data-poll="/ui/changes?status=all""#))
            #expect(try await client.get("/ui/changes?status=all&before=x").status == .badRequest)
            #expect(try await client.get("/ui/changes?incident=x").status == .badRequest)
            #expect(try await client.get("/ui/changes?incident=9").status == .notFound)
        }
    }

    @Test func postmortemPagesRenderTheStoredDraftSafely() async throws {
        try await withApp(Self.tokens) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("hostile-web--firing"))
            let (cookies, csrf) = try await Self.signIn(client, token: Self.writeToken)
            var headers = Self.formHeaders
            headers[.cookie] = cookies
            #expect(try await client.get("/ui/incidents/1/postmortem", headers: [.cookie: cookies]).status == .notFound)
            _ = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                         body: Self.form([("csrf", csrf), ("action", "note"), ("text", "<script>alert(8)</script> [x](javascript:alert(9))")]))
            for move in ["resolve", "close"] {
                _ = try await client.execute(uri: "/ui/incidents/1/actions", method: .post, headers: headers,
                                             body: Self.form([("csrf", csrf), ("action", "move"), ("move", move)]))
            }
            let page = try await client.get("/ui/incidents/1/postmortem", headers: [.cookie: cookies])
            #expect(page.status == .ok)
            let html = Self.text(page)
            #expect(html.contains("<h1>Post-mortem: INC-1"))
            #expect(html.contains("<h2>Summary</h2>"))
            #expect(html.components(separatedBy: "<script").count == 2)
            #expect(!html.lowercased().contains("href=\"javascript:"))
            #expect(html.contains("&lt;script&gt;alert(8)&lt;/script&gt;"))
            #expect(try await client.get("/ui/incidents/1/postmortem?version=1", headers: [.cookie: cookies]).status == .ok)
            #expect(try await client.get("/ui/incidents/1/postmortem?version=7", headers: [.cookie: cookies]).status == .notFound)
            #expect(try await client.get("/ui/incidents/1/postmortem?version=x", headers: [.cookie: cookies]).status == .badRequest)
            let detail = Self.text(try await client.get("/ui/incidents/1", headers: [.cookie: cookies]))
            #expect(detail.contains(#"<a href="/ui/incidents/1/postmortem?version=1">version 1</a>"#))
        }
    }

    @Test func runbooksAndStatsPages() async throws {
        try await withApp({ $0.runbooks.path = Self.runbooksPath }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let list = Self.text(try await client.get("/ui/runbooks"))
            #expect(list.contains(#"<a href="/ui/runbooks/kafka-broker-down">"#))
            let one = try await client.get("/ui/runbooks/kafka-broker-down")
            #expect(one.status == .ok && Self.text(one).contains("<h2>Symptoms</h2>"))
            #expect(try await client.get("/ui/runbooks/none").status == .notFound)
            let stats = try await client.get("/ui/stats?since=2026-11-01&until=2026-11-30")
            #expect(stats.status == .ok)
            let html = Self.text(stats)
            #expect(html.contains("1 incidents opened from 2026-11-01 to 2026-11-30"))
            #expect(html.contains(#"<svg class="chart""#) && html.contains("<title>2026-11-25: 1</title>"))
            #expect(html.contains("<td>kafka</td><td>1</td>"))
            #expect(try await client.get("/ui/stats?since=yesterday").status == .badRequest)
        }
    }

    /// The repository's runbooks folder.
    static var runbooksPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("runbooks").path
    }

    @Test func silenceFromThePage() async throws {
        let am = SilenceRouteTests.alertmanager()
        try await withApp({ Self.tokens(&$0); $0.alertmanager.url = "http://am:9093" }, http: am) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let (cookies, csrf) = try await Self.signIn(client, token: Self.writeToken)
            var headers = Self.formHeaders
            headers[.cookie] = cookies
            let bad = try await client.execute(uri: "/ui/incidents/1/silence", method: .post, headers: headers,
                                               body: Self.form([("csrf", csrf), ("duration", "soon")]))
            #expect(bad.status == .badRequest && Self.text(bad).contains("Give a duration such as 30m"))
            let done = try await client.execute(uri: "/ui/incidents/1/silence", method: .post, headers: headers,
                                                body: Self.form([("csrf", csrf), ("duration", "2h"), ("comment", "deploying")]))
            #expect(done.status == .seeOther && done.headers[.location] == "/ui/incidents/1?done=silence")
            #expect(am.requests.count == 1)
            let page = Self.text(try await client.get("/ui/incidents/1?done=silence", headers: [.cookie: cookies]))
            #expect(page.contains("Alerts silenced in Alertmanager.") && page.contains("<code>6f4c2b1a-0000-4000-8000-000000000001</code>"))
            #expect(page.contains("<span class=\"muted\">by alice</span>"))
        }
    }

    @Test(arguments: [("/ui/incidents/3", "/ui/incidents/3"), ("/ui/stats?since=2026-11-01", "/ui/stats?since=2026-11-01"),
                      ("https://evil.example/", "/ui/incidents"), ("//evil.example/ui/", "/ui/incidents"), ("/ui/\\evil", "/ui/incidents"),
                      ("/api/v1/incidents", "/ui/incidents"), ("/ui/x\r\nSet-Cookie: a=b", "/ui/incidents")])
    func signInReturnsOnlyToPagesOfTheView(_ next: String, _ target: String) {
        #expect(WebController.localTarget(next) == target)
    }

    @Test func formBodies() {
        let form = WebForm(bytes: Array("csrf=ab&text=a+b%20c%26d&text=second&empty=&bad=%zz&%E2%9C%93=yes".utf8))
        #expect(form["csrf"] == "ab")
        #expect(form["text"] == "second", "a repeated name keeps its last value, as slash commands do")
        #expect(form["empty"] == "" && form.text("empty") == nil)
        #expect(form["bad"] == "%zz")
        #expect(form["✓"] == "yes")
    }

    @Test func disabledMeansNoRoutes() async throws {
        try await withApp({ $0.ui.enabled = false }) { client in
            let status = try await client.get("/ui/incidents").status
            #expect(status == .notFound)
        }
    }
}
