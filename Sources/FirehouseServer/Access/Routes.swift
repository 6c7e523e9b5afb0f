import FirehouseCore
import Hummingbird
import Logging

/// Where controllers register their routes: every route states its access at registration, API
/// routes are checked against the tokens before the handler runs, and the actor is set on the
/// context. The list of what was registered is kept so tests can prove no route was left out.
/// Used only while the application is built.
final class Routes {
    let router: Router<FirehouseContext>
    let access: APIAccess
    let metrics: FirehouseMetrics
    private(set) var registered: [RouteEntry] = []

    init(router: Router<FirehouseContext>, access: APIAccess, metrics: FirehouseMetrics) {
        self.router = router
        self.access = access
        self.metrics = metrics
    }

    typealias Handler = @Sendable (Request, FirehouseContext) async throws -> Response

    func get(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) { on(path, .get, access, handler) }
    func post(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) { on(path, .post, access, handler) }
    func delete(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) { on(path, .delete, access, handler) }

    /// Routes under a common path (a controller's resource); they register here, with full paths.
    func group(_ prefix: String) -> Group { Group(routes: self, prefix: prefix) }

    /// A path prefix over `Routes`.
    struct Group {
        let routes: Routes
        let prefix: String

        func get(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) { routes.get(prefix + path, access, use: handler) }
        func post(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) { routes.post(prefix + path, access, use: handler) }
        func delete(_ path: String, _ access: RouteAccess, use handler: @escaping Handler) {
            routes.delete(prefix + path, access, use: handler)
        }
    }

    private func on(_ path: String, _ method: HTTPRequest.Method, _ routeAccess: RouteAccess, _ handler: @escaping Handler) {
        registered.append(RouteEntry(method: method.rawValue, path: path, access: routeAccess))
        guard case .api(let scope) = routeAccess else {
            // The other credentials are checked by their controllers, which know their formats.
            router.on(RouterPath(path), method: method, use: handler)
            return
        }
        let access = self.access
        let metrics = self.metrics
        router.on(RouterPath(path), method: method) { request, context in
            switch access.authorize(request.headers, needs: scope) {
            case .failure(let denied):
                metrics.authDenied(route: path, reason: denied.reason)
                context.logger.warning("access denied", metadata: [
                    "route": "\(path)", "method": "\(method.rawValue)", "reason": "\(denied.reason)", "error": "\(denied.error.message)",
                ])
                throw denied.error
            case .success(let actor):
                var context = context
                context.actor = actor
                context.logger[metadataKey: "actor"] = "\(actor.id)"
                let response = try await handler(request, context)
                if scope > .read {
                    context.logger.info("api change", metadata: [
                        "route": "\(path)", "method": "\(method.rawValue)", "status": "\(response.status.code)",
                    ])
                }
                return response
            }
        }
    }
}
