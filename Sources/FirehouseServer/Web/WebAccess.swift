import Crypto
import FirehouseCore
import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Someone using the web view, and what they may do there.
struct WebUser: Sendable, Equatable {
    enum Source: String, Sendable {
        /// Signed in with an API token (a session cookie).
        case session
        /// Named by a trusted reverse proxy's user header.
        case proxy
        /// No API tokens configured (loopback only): everyone is `ui`, as the open API is `api`.
        case open
    }

    var actor: Actor
    var scope: APIScope
    var source: Source

    var canWrite: Bool { scope >= .write }
}

/// Who a browser is: a trusted proxy's user header, a session cookie made at sign-in with an API
/// token, or nobody (then pages send the browser to `/ui/login`).
///
/// Sessions are stateless, so every replica accepts them without shared state: the cookie holds the
/// token's name and an expiry, signed with a key derived from that token's secret. Removing or
/// rotating the token ends its sessions at once, and the scope is the token's scope now, not at
/// sign-in. Signing out clears the browser's cookie; a copied cookie stays valid until it expires
/// (`ui.session_ttl`), which rotating the token cuts short.
///
/// Forms carry a CSRF token that must equal the `fh_csrf` cookie (SameSite=Strict, HttpOnly), and a
/// browser that says the request is cross-site (`Sec-Fetch-Site`) is refused outright.
struct WebAccess: Sendable {
    static let sessionCookie = "fh_session"
    static let csrfCookie = "fh_csrf"

    let api: APIAccess
    let ttl: TimeSpan
    let userHeader: HTTPField.Name?
    let proxies: [AddressRange]
    let proxyScope: APIScope
    /// Cookies get `Secure` when users reach Firehouse over https (`server.external_url`).
    let secureCookies: Bool
    let clock: any WallClock
    /// Random bytes for CSRF tokens; tests pass a fixed source.
    let random: @Sendable (Int) -> [UInt8]

    init(config: FirehouseConfig, clock: any WallClock,
         random: @escaping @Sendable (Int) -> [UInt8] = WebAccess.systemRandom) {
        api = APIAccess(config.api.tokens)
        ttl = config.ui.sessionTTL
        userHeader = config.ui.trustedUserHeader.isEmpty ? nil : HTTPField.Name(config.ui.trustedUserHeader)
        proxies = config.ui.trustedProxies.compactMap(AddressRange.init)
        proxyScope = config.ui.proxyScope
        secureCookies = config.server.externalURL.base.lowercased().hasPrefix("https://")
        self.clock = clock
        self.random = random
    }

    static let systemRandom: @Sendable (Int) -> [UInt8] = { count in
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Whether signing in with a token is possible (tokens are configured and no proxy decides).
    var offersLogin: Bool { userHeader == nil && !api.isOpen }

    /// The user behind a request, nil when nobody is signed in.
    func identify(_ request: Request, peer: String?) -> WebUser? {
        if let userHeader {
            // Only a configured proxy may name the user; anyone else could send the header too.
            // Exactly one header: a proxy that appends instead of replacing would let the client choose a prefix.
            let names = request.headers[values: userHeader]
            guard let peer, proxies.contains(where: { $0.contains(peer) }), names.count == 1, let name = names.first,
                  Self.isValidUserName(name) else { return nil }
            return WebUser(actor: Actor(id: "proxy:\(name)", name: name), scope: proxyScope, source: .proxy)
        }
        if api.isOpen { return WebUser(actor: Actor(id: "ui", name: "ui"), scope: .admin, source: .open) }
        guard let cookie = request.cookies[Self.sessionCookie] else { return nil }
        return verify(cookie.value)
    }

    static func isValidUserName(_ name: String) -> Bool {
        (1...128).contains(name.count) && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    // MARK: - Sessions

    /// Signs in with an API token's secret: the user and the session cookie, or nil for an unknown token.
    func login(secret: String) -> (WebUser, Cookie)? {
        guard let token = api.token(secret: secret) else { return nil }
        let expires = clock.now() + ttl
        let payload = Self.payload(name: token.name, expires: expires)
        let value = payload + "." + Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: Self.key(token))))
        let cookie = Cookie(name: Self.sessionCookie, value: value, maxAge: Int(ttl.nanoseconds / 1_000_000_000), path: "/ui",
                            secure: secureCookies, httpOnly: true, sameSite: .strict)
        return (user(token), cookie)
    }

    /// The cookie that ends a session in the browser.
    var logoutCookie: Cookie {
        Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/ui", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// The user of a session cookie's value: signed by a configured token's key and not expired.
    func verify(_ value: String) -> WebUser? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let nameBytes = Self.unbase64URL(parts[0]), let seconds = Int64(parts[1]),
              let mac = Self.unbase64URL(parts[2]) else { return nil }
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard let token = api.tokens.first(where: { $0.name == name }) else { return nil }
        let payload = "\(parts[0]).\(parts[1])"
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(payload.utf8), using: Self.key(token)),
              clock.now() < Timestamp(seconds: seconds) else { return nil }
        return user(token)
    }

    private func user(_ token: APIAccess.Token) -> WebUser {
        WebUser(actor: Actor(id: "ui:\(token.name)", name: token.name), scope: token.scope, source: .session)
    }

    private static func payload(name: String, expires: Timestamp) -> String {
        base64URL(Array(name.utf8)) + "." + String(expires.nanoseconds / 1_000_000_000)
    }

    /// A key per token, from its secret's digest: only a holder of the secret could have made it.
    private static func key(_ token: APIAccess.Token) -> SymmetricKey {
        var material = Array("firehouse-ui-session\u{0}".utf8)
        material += Array(token.digest)
        return SymmetricKey(data: SHA256.hash(data: material))
    }

    // MARK: - CSRF

    /// The CSRF token of this browser, and the cookie to set when it had none yet.
    func csrf(_ request: Request) -> (token: String, cookie: Cookie?) {
        if let existing = request.cookies[Self.csrfCookie]?.value, Self.isCSRFToken(existing) { return (existing, nil) }
        let token = random(32).hex
        return (token, Cookie(name: Self.csrfCookie, value: token, path: "/ui", secure: secureCookies, httpOnly: true, sameSite: .strict))
    }

    /// Why a form post is refused, or nil when its CSRF token matches this browser's cookie.
    func csrfRefusal(_ request: Request, form token: String?) -> String? {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            return "cross-site form posts are refused"
        }
        guard let cookie = request.cookies[Self.csrfCookie]?.value, Self.isCSRFToken(cookie), let token,
              ConstantTime.equal(cookie, token) else {
            return "the form's CSRF token is missing or stale: reload the page and try again"
        }
        return nil
    }

    static func isCSRFToken(_ text: String) -> Bool { text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }

    // MARK: - Encoding

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64URL(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count <= 512 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
