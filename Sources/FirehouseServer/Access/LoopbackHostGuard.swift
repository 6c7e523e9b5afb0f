import FirehouseCore
import HTTPTypes
import Hummingbird

/// Refuses requests that name a foreign host while Firehouse relies on its loopback listen address
/// for safety (some route open, no `server.allow_unauthenticated`). Without it a web page the
/// operator visits could rebind its own name to 127.0.0.1 (DNS rebinding) and then read and
/// change incidents through the open routes as a same-origin page. Browsers always send `Host`;
/// loopback names and the listen address are accepted.
struct LoopbackHostGuard: RouterMiddleware {
    typealias Context = FirehouseContext

    /// Lowercased host names (without port) that may be named.
    let allowed: Set<String>

    /// Nil when the guard has nothing to protect: a non-loopback listen (credentials are then
    /// required), `allow_unauthenticated`, or every route needing a credential.
    init?(config: FirehouseConfig) {
        let open = config.api.tokens.isEmpty || !config.webhook.isAuthenticated || !config.chat.isAuthenticated
        guard config.server.listen.isLoopback, !config.server.allowUnauthenticated, open else { return nil }
        // No `server.external_url` host: naming another host makes the routes' openness a
        // configuration error (`FirehouseConfig.exposure`), so the guard never meets one.
        allowed = ["localhost", "127.0.0.1", "::1", config.server.listen.host.lowercased()]
    }

    static let hostField = HTTPField.Name("Host")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1's Host arrives as the authority; a Host field left among the headers counts too.
        for authority in [request.head.authority, request.headers[Self.hostField]].compactMap({ $0 }) {
            guard let host = Self.host(ofAuthority: authority), !allowed.contains(host),
                  !ListenAddress.isLoopback(host: host) else { continue }
            throw APIError(.forbidden, "Host \(host.prefix(80)) is not this loopback service's name; use localhost or 127.0.0.1, "
                + "(a guard against DNS rebinding while routes are open; reached by another name, every route needs its credential)")
        }
        return try await next(request, context)
    }

    /// `example.com:9095` → `example.com`; `[::1]:9095` → `::1`.
    static func host(ofAuthority authority: String) -> String? {
        let text = authority.lowercased()
        if text.hasPrefix("[") {
            guard let end = text.firstIndex(of: "]") else { return nil }
            return String(text[text.index(after: text.startIndex)..<end])
        }
        let host = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        return host.hasSuffix(".") ? String(host.dropLast()) : host
    }

    static func host(ofURL url: String) -> String? {
        guard let range = url.range(of: "://") else { return nil }
        let rest = url[range.upperBound...]
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let withoutUser = authority.split(separator: "@").last.map(String.init) ?? authority
        return withoutUser.isEmpty ? nil : host(ofAuthority: withoutUser)
    }
}
