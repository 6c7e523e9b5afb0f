import Crypto
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One configured credential checked on a route: nothing, a bearer token, or basic auth. The
/// Alertmanager webhook uses all three; `/metrics` nothing or a bearer token.
enum StaticCredential: Sendable {
    case none
    case bearer(token: String)
    case basic(username: String, password: String)

    init(_ config: FirehouseConfig.Webhook) {
        if !config.bearerToken.isEmpty {
            self = .bearer(token: config.bearerToken)
        } else if !config.basicUsername.isEmpty {
            self = .basic(username: config.basicUsername, password: config.basicPassword)
        } else {
            self = .none
        }
    }

    init(bearer token: String) {
        self = token.isEmpty ? .none : .bearer(token: token)
    }

    /// Throws 401 unless the request carries the configured credential.
    func check(_ request: Request) throws {
        let given: String?
        let expected: String
        switch self {
        case .none:
            return
        case .bearer(let token):
            // Parsed as for API tokens: the scheme is case-insensitive (RFC 9110).
            given = request.headers[.authorization].flatMap(APIAccess.bearer)
            expected = token
        case .basic(let username, let password):
            given = request.headers[.authorization]
            expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        }
        guard let given, ConstantTime.equal(given, expected) else {
            throw APIError(.unauthorized, "missing or wrong credentials", headers: [.wwwAuthenticate: challenge])
        }
    }

    private var challenge: String {
        switch self {
        case .basic: #"Basic realm="firehouse""#
        default: #"Bearer realm="firehouse""#
        }
    }
}

/// Secret comparison whose time does not depend on where the inputs differ.
enum ConstantTime {
    /// Compares SHA-256 digests (swift-crypto's digest equality is constant-time), so neither the
    /// position of the first difference nor the length of the secret leaks through timing.
    static func equal(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }
}
