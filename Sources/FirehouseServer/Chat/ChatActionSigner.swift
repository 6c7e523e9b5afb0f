import Crypto
import FirehouseCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signs the context of the buttons on Mattermost notifications, so `POST /api/v1/chat/actions`
/// acts only on contexts Firehouse wrote (Mattermost keeps a button's context on its server and
/// posts it back on a click; it sends no other credential). The key comes from `chat.token`.
struct ChatActionSigner: Sendable {
    /// What a button does: the lifecycle moves worth one click.
    enum Button: String, Sendable, CaseIterable {
        case acknowledge, mitigate, resolve

        var move: IncidentLifecycle.Move {
            switch self {
            case .acknowledge: .acknowledge
            case .mitigate: .mitigate
            case .resolve: .resolve
            }
        }

        var label: String {
            switch self {
            case .acknowledge: "Acknowledge"
            case .mitigate: "Mitigated"
            case .resolve: "Resolve"
            }
        }
    }

    private let key: SymmetricKey

    /// Nil without a chat token: no key to sign with, so no buttons.
    init?(chatToken: String) {
        guard !chatToken.isEmpty else { return nil }
        key = SymmetricKey(data: SHA256.hash(data: Array("firehouse-chat-action\u{0}\(chatToken)".utf8)))
    }

    func sign(incident: Int64, button: Button) -> String {
        HMAC<SHA256>.authenticationCode(for: Array("\(incident)|\(button.rawValue)".utf8), using: key).hex
    }

    func verify(incident: Int64, button: Button, signature: String) -> Bool {
        ConstantTime.equal(sign(incident: incident, button: button), signature)
    }

    /// The buttons for an incident in `status`: the moves it allows now.
    static func buttons(for status: IncidentStatus) -> [Button] {
        let allowed = IncidentLifecycle.allowedMoves(from: status)
        return Button.allCases.filter { allowed.contains($0.move) }
    }
}
