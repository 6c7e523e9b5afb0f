import Crypto
import FirehouseCore
import FirehouseService
import Foundation
import Hummingbird


/// How `/api/v1/chat` requests prove where they come from.
enum ChatAuth: Sendable {
    /// Local use: anyone on the listen address.
    case none
    /// Slack request signing: HMAC-SHA256 over `v0:timestamp:body`, within a replay window.
    case slack(SlackSignatureVerifier)
    /// Mattermost or a script: a shared token in the `token` field or `Authorization: Token ...`.
    case token(String)

    /// `replays` remembers signatures (the store, so a replay is refused after a restart too).
    init(_ config: FirehouseConfig.Chat, clock: any WallClock, replays: any IncidentUseCases) {
        if !config.slackSigningSecret.isEmpty {
            self = .slack(SlackSignatureVerifier(secret: config.slackSigningSecret, clock: clock, replays: replays))
        } else if !config.token.isEmpty {
            self = .token(config.token)
        } else {
            self = .none
        }
    }

    /// Throws 401 unless the request is authentic. `formToken` is the body's `token` field, if any.
    func check(headers: HTTPFields, body: ByteBuffer, formToken: String?) async throws {
        switch self {
        case .none:
            return
        case .slack(let verifier):
            try await verifier.verify(headers: headers, body: body)
        case .token(let expected):
            var given = formToken
            if let header = headers[.authorization], header.hasPrefix("Token ") { given = String(header.dropFirst(6)) }
            guard let given, ConstantTime.equal(given, expected) else {
                throw APIError(.unauthorized, "missing or wrong chat token")
            }
        }
    }
}

/// Verifies Slack's `X-Slack-Signature` (v0) and rejects stale or replayed requests.
struct SlackSignatureVerifier: Sendable {
    let key: SymmetricKey
    let clock: any WallClock
    let window: Int64 = 300
    let replays: any IncidentUseCases

    init(secret: String, clock: any WallClock, replays: any IncidentUseCases) {
        self.key = SymmetricKey(data: Data(secret.utf8))
        self.clock = clock
        self.replays = replays
    }

    func verify(headers: HTTPFields, body: ByteBuffer) async throws {
        guard let signature = headers[Self.signatureHeader], let timestampText = headers[Self.timestampHeader]
        else { throw APIError(.unauthorized, "missing Slack signature headers") }
        let now = clock.now().nanoseconds / 1_000_000_000
        // Checked before anything else, from an unauthenticated header: the difference saturates.
        guard let timestamp = Int64(timestampText), Saturating.magnitude(Saturating.subtract(now, timestamp)) <= window else {
            throw APIError(.unauthorized, "Slack request timestamp is outside the 5-minute window")
        }
        guard signature.hasPrefix("v0="), let mac = Self.hexBytes(signature.dropFirst(3)) else {
            throw APIError(.unauthorized, "malformed Slack signature")
        }
        var signed = Data("v0:\(timestampText):".utf8)
        signed.append(contentsOf: body.readableBytesView)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else {
            throw APIError(.unauthorized, "wrong Slack signature")
        }
        // The decoded MAC bytes, not the header text: the same signature in upper-case hex is the
        // same request.
        guard try await replays.firstSighting(mac: mac, timestamp: timestamp, forgetBefore: now - window) else {
            throw APIError(.unauthorized, "replayed Slack request")
        }
    }

    static let signatureHeader = HTTPFields.Element.Name("X-Slack-Signature")!
    static let timestampHeader = HTTPFields.Element.Name("X-Slack-Request-Timestamp")!

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
