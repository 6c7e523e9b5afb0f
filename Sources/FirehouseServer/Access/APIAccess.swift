import Crypto
import FirehouseCore
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The API tokens and what each may do. With none configured the API is open (allowed only on a
/// loopback listen address or with `server.allow_unauthenticated`, see `FirehouseConfig.validate`).
struct APIAccess: Sendable {
    struct Token: Sendable {
        var name: String
        var digest: SHA256Digest
        var scope: APIScope
    }

    /// Why a request was refused; `reason` is the `firehouse_auth_denied_total` label.
    struct Denied: Error, CustomStringConvertible {
        var error: APIError
        var reason: String
        var description: String { error.message }
    }

    let tokens: [Token]

    init(_ tokens: [FirehouseConfig.APIToken]) {
        self.tokens = tokens.map {
            Token(name: $0.name, digest: SHA256.hash(data: Data($0.token.utf8)), scope: $0.scopes.max() ?? .read)
        }
    }

    var isOpen: Bool { tokens.isEmpty }

    static let challenge = #"Bearer realm="firehouse""#

    /// The actor of a request that needs `scope`, or why it is refused: 401 for a missing or
    /// unknown token, 403 for a token without the scope.
    func authorize(_ headers: HTTPFields, needs scope: APIScope) -> Result<Actor, Denied> {
        if isOpen { return .success(Actor(id: "api", name: "api")) }
        guard let header = headers[.authorization], let given = Self.bearer(header) else {
            return .failure(Denied(error: APIError(.unauthorized, "this route needs Authorization: Bearer <API token> with the \(scope.rawValue) scope",
                                                   headers: [.wwwAuthenticate: Self.challenge]), reason: "credentials"))
        }
        guard let token = token(secret: given) else {
            return .failure(Denied(error: APIError(.unauthorized, "unknown API token", headers: [.wwwAuthenticate: Self.challenge]),
                                   reason: "credentials"))
        }
        guard token.scope >= scope else {
            let challenge = #"Bearer realm="firehouse", error="insufficient_scope", scope="\#(scope.rawValue)""#
            return .failure(Denied(error: APIError(.forbidden, "API token \"\(token.name)\" has the \(token.scope.rawValue) scope; this route needs \(scope.rawValue)",
                                                   headers: [.wwwAuthenticate: challenge]), reason: "scope"))
        }
        return .success(Actor(id: "api:\(token.name)", name: "api:\(token.name)"))
    }

    /// The configured token with this secret, if any.
    func token(secret: String) -> Token? {
        let digest = SHA256.hash(data: Data(secret.utf8))
        // Every token is compared (digest equality is constant-time), so timing tells nothing about which matched.
        var match: Token?
        for token in tokens where token.digest == digest { match = token }
        return match
    }

    /// `Bearer <token>`, the scheme case-insensitive as RFC 9110 says.
    static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
