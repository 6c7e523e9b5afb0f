import Crypto
import FirehouseCore
import FirehouseService
import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The web view under `/ui`: server-rendered pages (complete without JavaScript) over the same
/// use cases as the JSON API and chat, and forms that act through the same domain service.
/// Every page needs the `read` scope and every form `write`; who the user is comes from
/// `WebAccess` (a session cookie, a trusted proxy's header, or the open loopback default).
struct WebController: Sendable {
    let repository: any IncidentUseCases
    let access: WebAccess
    let templates: WebTemplates
    let runbooks: RunbookShelf
    let silences: SilenceService
    let canSilence: Bool
    let roles: RoleCatalog
    let alertmanagerURL: String
    let clock: any WallClock
    let pollSeconds: Int
    let maxBodyBytes: Int
    let metrics: FirehouseMetrics

    typealias Page = @Sendable (Request, FirehouseContext, WebUser) async throws -> Response

    func addRoutes(to routes: Routes) {
        routes.get("/ui", .open) { _, _ in Self.redirect("/ui/incidents") }
        routes.get("/ui/static/:name", .open, use: asset)
        routes.get("/ui/login", .open, use: loginPage)
        routes.post("/ui/login", .open, use: login)
        routes.post("/ui/logout", .open, use: logout)
        on(routes, .get, "/ui/incidents", .read, list)
        on(routes, .get, "/ui/incidents/:id", .read, incident)
        on(routes, .get, "/ui/incidents/:id/postmortem", .read, postmortem)
        on(routes, .post, "/ui/incidents/:id/actions", .write, act)
        on(routes, .post, "/ui/incidents/:id/silence", .write, silence)
        on(routes, .get, "/ui/runbooks", .read, runbookList)
        on(routes, .get, "/ui/runbooks/:id", .read, runbook)
        on(routes, .get, "/ui/stats", .read, stats)
        on(routes, .get, "/ui/changes", .read, changes)
    }

    /// Registers a page: the user must be known and hold `scope`; errors become an HTML page.
    private func on(_ routes: Routes, _ method: HTTPRequest.Method, _ path: String, _ scope: APIScope, _ page: @escaping Page) {
        let handler: Routes.Handler = { request, context in
            guard let user = access.identify(request, peer: context.peerAddress) else {
                metrics.authDenied(route: path, reason: "credentials")
                if method == .get, access.offersLogin, !path.hasPrefix("/ui/changes") {
                    return Self.redirect("/ui/login?next=" + WebFormat.query(Self.localTarget(request.uri.description)))
                }
                return errorPage(request, user: nil, .unauthorized, access.offersLogin ? "Sign in first."
                                 : "Not signed in: this page is reached through the sign-in proxy.")
            }
            guard user.scope >= scope else {
                metrics.authDenied(route: path, reason: "scope")
                return errorPage(request, user: user, .forbidden, "\(user.actor.name) may \(user.scope == .read ? "only read" : "not do this"): this needs the \(scope.rawValue) scope.")
            }
            var context = context
            context.actor = user.actor
            context.logger[metadataKey: "actor"] = "\(user.actor.id)"
            do {
                return try await page(request, context, user)
            } catch {
                let api = ErrorMiddleware<FirehouseContext>().map(error)
                if api.status.code >= 500 {
                    context.logger.error("page failed", metadata: ["status": "\(api.status.code)", "path": "\(request.uri.path)", "error": "\(error)"])
                }
                var response = errorPage(request, user: user, api.status, api.message)
                for field in api.headers { response.headers.append(field) }
                return response
            }
        }
        switch method {
        case .post: routes.post(path, .ui(scope), use: handler)
        default: routes.get(path, .ui(scope), use: handler)
        }
    }

    // MARK: - Pages

    @Sendable func list(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let name = request.uri.queryParameters["status"].map(String.init) ?? "open"
        guard let filter = IncidentStatusFilter(name) else {
            throw APIError.badRequest("status: expected open, resolved, closed, all or a status name")
        }
        var query = IncidentQuery(status: filter, limit: 50)
        if let text = request.uri.queryParameters["before"].map(String.init) {
            guard let before = Int64(text), before > 0 else { throw APIError.badRequest("before: expected an incident id") }
            query.before = before
        }
        let page = try await repository.incidents(query)
        let counts = try await repository.incidentCountsByStatus()
        let commanders = try await repository.roleHolders(roles.names.first ?? "commander", incidentIDs: page.incidents.map(\.head.id))
        let filterName = name.lowercased() == "active" ? "open" : name.lowercased()
        let model = WebPages.list(page, filterName: filterName,
                                  counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                                  commanders: commanders, now: clock.now())
        return render(request, user: user, page: "incidents", model: model, title: model.heading, nav: "/ui/incidents",
                      poll: "/ui/changes?" + (request.uri.query ?? "status=open"), version: Self.listVersion(page))
    }

    @Sendable func incident(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let id = try context.incidentID()
        let notice = request.uri.queryParameters["done"].flatMap { Self.doneNotices[String($0)] }
        return try await incidentPage(request, id: id, user: user, notice: notice)
    }

    private func incidentPage(_ request: Request, id: Int64, user: WebUser, status: HTTPResponse.Status = .ok,
                              notice: String? = nil, error: String? = nil) async throws -> Response {
        guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        let active = try await repository.activeSilences(incidentID: id) ?? []
        let latest = try await repository.postmortem(incidentID: id, version: nil)?.version ?? 0
        let csrf = access.csrf(request)
        let model = WebPages.incident(detail, library: runbooks.library, silences: active, postmortems: latest, roles: roles,
                                      alertmanagerURL: alertmanagerURL, now: clock.now(), csrf: user.canWrite ? csrf.token : nil,
                                      canSilence: canSilence, notice: notice, error: error)
        var response = render(request, user: user, page: "incident", model: model, title: "\(model.ref): \(model.title)",
                              nav: "/ui/incidents", poll: "/ui/changes?incident=\(id)", version: Self.incidentVersion(detail),
                              status: status, csrf: csrf.token)
        if let cookie = csrf.cookie { response.setCookie(cookie) }
        return response
    }

    @Sendable func postmortem(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let id = try context.incidentID()
        var version: Int?
        if let text = request.uri.queryParameters["version"].map(String.init) {
            guard let number = Int(text), number > 0 else { throw APIError.badRequest("version: expected a positive integer") }
            version = number
        }
        guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        guard let latest = try await repository.postmortem(incidentID: id, version: nil) else {
            throw APIError.notFound("a post-mortem of \(IncidentReference.format(id)) (it is written when the incident is closed)")
        }
        let stored = version == nil ? latest : try await repository.postmortem(incidentID: id, version: version)
        guard let stored else { throw APIError.notFound("post-mortem version \(version!) of \(IncidentReference.format(id))") }
        let model = WebPages.postmortem(stored, head: detail.summary.head, latest: latest.version, now: clock.now())
        return render(request, user: user, page: "postmortem", model: model, title: "Post-mortem \(model.ref)", nav: "/ui/incidents")
    }

    @Sendable func runbookList(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        render(request, user: user, page: "runbooks", model: WebPages.runbooks(runbooks.library), title: "Runbooks", nav: "/ui/runbooks")
    }

    @Sendable func runbook(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let found = runbooks.library[id] else { throw APIError.notFound("runbook \"\(id.prefix(100))\"") }
        let model = WebPages.runbook(found)
        return render(request, user: user, page: "runbook", model: model, title: model.title, nav: "/ui/runbooks")
    }

    @Sendable func stats(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let parameters = request.uri.queryParameters
        func day(_ name: Substring) throws -> Timestamp? {
            guard let text = parameters[name].map(String.init), !text.isEmpty else { return nil }
            guard let value = Timestamp(rfc3339: text.count == 10 ? text + "T00:00:00Z" : text) else {
                throw APIError.badRequest("\(name): expected a date such as 2026-11-01")
            }
            return value
        }
        let now = clock.now()
        // A day given as `until` includes that whole day.
        let until = try day("until").map { parameters["until"]?.count == 10 ? $0 + .hours(24) : $0 } ?? (now + TimeSpan(nanoseconds: 1))
        let since = try day("since") ?? (until - .hours(24 * 30))
        guard since < until else { throw APIError.badRequest("since: must be before until") }
        let service = parameters["service"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let query = StatsQuery(since: since, until: until, service: service)
        var model = WebPages.stats(try await repository.stats(query), query: query, budgets: try await repository.sloReports())
        if parameters["until"]?.count == 10 { model.until = String(parameters["until"]!) }
        return render(request, user: user, page: "stats", model: model, title: "Stats", nav: "/ui/stats")
    }

    /// `{"version": "..."}` of what a page shows, for the page's script to notice a change.
    @Sendable func changes(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let version: String
        if let text = request.uri.queryParameters["incident"].map(String.init) {
            guard let id = IncidentReference.parse(text) else { throw APIError.badRequest("incident: expected an incident id") }
            guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
            version = Self.incidentVersion(detail)
        } else {
            let name = request.uri.queryParameters["status"].map(String.init) ?? "open"
            guard let filter = IncidentStatusFilter(name) else { throw APIError.badRequest("status: expected open, resolved, closed, all or a status name") }
            var before: Int64?
            if let text = request.uri.queryParameters["before"].map(String.init) {
                guard let id = Int64(text), id > 0 else { throw APIError.badRequest("before: expected an incident id") }
                before = id
            }
            version = Self.listVersion(try await repository.incidents(IncidentQuery(status: filter, limit: 50, before: before)))
        }
        var response = JSONResponse.make(["version": version])
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: - Forms

    static let doneNotices: [String: String] = [
        "move": "Status changed.", "severity": "Severity changed.", "assign": "Role assigned.", "unassign": "Role unassigned.",
        "note": "Note added to the timeline.", "silence": "Alerts silenced in Alertmanager.",
    ]

    @Sendable func act(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let id = try context.incidentID()
        let form = try await self.form(request)
        if let refusal = access.csrfRefusal(request, form: form["csrf"]) { return csrfRefused(request, user: user, refusal) }
        let kind = form["action"] ?? ""
        let action: IncidentAction
        switch kind {
        case "move":
            guard let move = form.text("move").flatMap(IncidentLifecycle.Move.init(rawValue:)) else {
                return try await incidentPage(request, id: id, user: user, status: .badRequest, error: "Choose a status change.")
            }
            action = .move(move, summary: form.text("summary").map { String($0.prefix(500)) })
        case "severity":
            guard let severity = form.text("severity").flatMap(Severity.init(name:)) else {
                return try await incidentPage(request, id: id, user: user, status: .badRequest, error: "Choose a severity (SEV1 to SEV5).")
            }
            action = .setSeverity(severity)
        case "assign", "unassign":
            guard let role = form.text("role").flatMap(roles.resolve) else {
                return try await incidentPage(request, id: id, user: user, status: .badRequest,
                                              error: "Choose a role: \(roles.names.joined(separator: ", ")).")
            }
            if kind == "unassign" {
                action = .unassign(role: role)
            } else {
                guard let person = form.text("user").flatMap({ ChatUser(mention: String($0.prefix(100))) }) else {
                    return try await incidentPage(request, id: id, user: user, status: .badRequest,
                                                  error: "Name the person, such as @alice.")
                }
                action = .assign(role: role, user: person)
            }
        case "note":
            guard let text = form.text("text") else {
                return try await incidentPage(request, id: id, user: user, status: .badRequest, error: "Write the note first.")
            }
            action = .note(String(text.prefix(2000)))
        default:
            return try await incidentPage(request, id: id, user: user, status: .badRequest, error: "Unknown action.")
        }
        switch try await repository.perform(action, on: id, actor: user.actor) {
        case .notFound: throw APIError.notFound("incident \(id)")
        case .unchanged(let text): return try await incidentPage(request, id: id, user: user, notice: text + ".")
        case .refused(let text): return try await incidentPage(request, id: id, user: user, status: .conflict, error: text + ".")
        case .changed: return Self.redirect("/ui/incidents/\(id)?done=\(kind)")
        }
    }

    @Sendable func silence(_ request: Request, context: FirehouseContext, user: WebUser) async throws -> Response {
        let id = try context.incidentID()
        let form = try await self.form(request)
        if let refusal = access.csrfRefusal(request, form: form["csrf"]) { return csrfRefused(request, user: user, refusal) }
        guard let duration = form.text("duration").flatMap(TimeSpan.init(parsing:)), duration.nanoseconds > 0 else {
            return try await incidentPage(request, id: id, user: user, status: .badRequest, error: "Give a duration such as 30m, 2h or 1h30m.")
        }
        switch try await silences.silence(id, duration: duration, comment: form.text("comment").map { String($0.prefix(500)) }, actor: user.actor) {
        case .notFound: throw APIError.notFound("incident \(id)")
        case .refused(let text): return try await incidentPage(request, id: id, user: user, status: .unprocessableContent, error: text + ".")
        case .done: return Self.redirect("/ui/incidents/\(id)?done=silence")
        }
    }

    private func form(_ request: Request) async throws -> WebForm {
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        return WebForm(bytes: body.readableBytesView)
    }

    private func csrfRefused(_ request: Request, user: WebUser?, _ reason: String) -> Response {
        metrics.authDenied(route: "/ui", reason: "csrf")
        return errorPage(request, user: user, .forbidden, reason)
    }

    // MARK: - Sign-in

    @Sendable func loginPage(_ request: Request, context: FirehouseContext) async throws -> Response {
        let next = Self.localTarget(request.uri.queryParameters["next"].map(String.init) ?? "/ui/incidents")
        if !access.offersLogin {
            return Self.redirect(next)  // nothing to sign in to: the proxy or the open default decides
        }
        return loginForm(request, next: next, status: .ok, error: nil)
    }

    private func loginForm(_ request: Request, next: String, status: HTTPResponse.Status, error: String?) -> Response {
        let csrf = access.csrf(request)
        let model = WebPages.LoginPage(next: next, csrf: csrf.token, error: error)
        var response = render(request, user: nil, page: "login", model: model, title: "Sign in", nav: "", status: status, csrf: csrf.token)
        if let cookie = csrf.cookie { response.setCookie(cookie) }
        return response
    }

    @Sendable func login(_ request: Request, context: FirehouseContext) async throws -> Response {
        guard access.offersLogin else { return Self.redirect("/ui/incidents") }
        let form = try await self.form(request)
        let next = Self.localTarget(form["next"] ?? "/ui/incidents")
        if let refusal = access.csrfRefusal(request, form: form["csrf"]) {
            metrics.authDenied(route: "/ui/login", reason: "csrf")
            return loginForm(request, next: next, status: .forbidden, error: refusal)
        }
        guard let secret = form.text("token"), let (user, cookie) = access.login(secret: secret) else {
            metrics.authDenied(route: "/ui/login", reason: "credentials")
            context.logger.warning("web sign-in refused", metadata: ["reason": "unknown token"])
            return loginForm(request, next: next, status: .unauthorized, error: "That token is not known here.")
        }
        context.logger.info("web sign-in", metadata: ["actor": "\(user.actor.id)"])
        var response = Self.redirect(next)
        response.setCookie(cookie)
        return response
    }

    @Sendable func logout(_ request: Request, context: FirehouseContext) async throws -> Response {
        let form = try await self.form(request)
        if let refusal = access.csrfRefusal(request, form: form["csrf"]) {
            return errorPage(request, user: access.identify(request, peer: context.peerAddress), .forbidden, refusal)
        }
        var response = Self.redirect(access.offersLogin ? "/ui/login" : "/ui/incidents")
        response.setCookie(access.logoutCookie)
        return response
    }

    // MARK: - Static files

    @Sendable func asset(_ request: Request, context: FirehouseContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let asset = WebAssets.all[name] else {
            throw APIError.notFound("file")
        }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = "\"\(asset.etag)\""
        headers[.cacheControl] = "public, max-age=86400"
        if request.headers[.ifNoneMatch] == "\"\(asset.etag)\"" { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    // MARK: - Rendering

    /// Sent with every `/ui` response: no inline script or style, no framing, no sniffing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
    ]

    private func render(_ request: Request, user: WebUser?, page: String, model: Any, title: String, nav: String,
                        poll: String? = nil, version: String? = nil, status: HTTPResponse.Status = .ok, csrf: String? = nil) -> Response {
        let csrfState = csrf.map { ($0, Cookie?.none) } ?? access.csrf(request)
        let layout = WebPages.Layout(
            title: title, body: "", user: user?.actor.name, canLogout: user?.source == .session, csrf: csrfState.0,
            nav: WebPages.nav(current: nav), assetVersion: WebAssets.version, poll: poll, pollVersion: version, pollSeconds: pollSeconds)
        var response: Response
        do {
            response = Self.html(status, try templates.render(page, model, layout: layout))
        } catch {
            response = Self.html(.internalServerError, "<!DOCTYPE html><html lang=\"en\"><title>Error</title><p>internal error</p></html>")
        }
        if let cookie = csrfState.1 { response.setCookie(cookie) }
        return response
    }

    func errorPage(_ request: Request, user: WebUser?, _ status: HTTPResponse.Status, _ message: String) -> Response {
        let signIn = status == .unauthorized && access.offersLogin ? "/ui/login?next=" + WebFormat.query(Self.localTarget(request.uri.description)) : nil
        let model = WebPages.ErrorPage(status: Int(status.code), message: message, signIn: signIn)
        return render(request, user: user, page: "error", model: model, title: "\(status.code) \(status.reasonPhrase)", nav: "", status: status)
    }

    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// Where a sign-in may send the browser afterwards: only pages of this view, never elsewhere.
    static func localTarget(_ text: String) -> String {
        guard text.hasPrefix("/ui/"), !text.hasPrefix("//"), !text.contains("\\"),
              !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else { return "/ui/incidents" }
        return text
    }

    // MARK: - Versions for live updates

    static func listVersion(_ page: IncidentPage) -> String {
        digest(page.incidents.map { "\($0.head.id):\($0.head.status.rawValue):\($0.head.severity.rawValue):\($0.firingAlertCount):\($0.alertCount):\($0.head.title)" }
            .joined(separator: "|") + "|\(page.next ?? 0)")
    }

    static func incidentVersion(_ detail: IncidentDetail) -> String {
        let head = detail.summary.head
        return digest("\(head.status.rawValue):\(head.severity.rawValue):\(head.title):\(detail.timeline.last?.id ?? 0):\(detail.timeline.count):"
            + "\(detail.summary.firingAlertCount):\(detail.summary.alertCount):\(detail.roles.count):\(detail.roles.filter(\.isCurrent).count)")
    }

    private static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(12).hex
    }
}
