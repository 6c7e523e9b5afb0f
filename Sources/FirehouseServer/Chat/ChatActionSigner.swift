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
    /// What a button does: the lifecycle moves worth one click, taking the lead role, and a
    /// two-hour silence of the incident's alerts.
    enum Button: String, Sendable, CaseIterable {
        case acknowledge, mitigate, resolve, commander, silence

        /// The lifecycle move, for the move buttons.
        var move: IncidentLifecycle.Move? {
            switch self {
            case .acknowledge: .acknowledge
            case .mitigate: .mitigate
            case .resolve: .resolve
            case .commander, .silence: nil
            }
        }

        var label: String {
            switch self {
            case .acknowledge: "Acknowledge"
            case .mitigate: "Mitigated"
            case .resolve: "Resolve"
            case .commander: "Take commander"
            case .silence: "Silence 2h"
            }
        }

        static let silenceFor = TimeSpan.hours(2)

        /// The command a click by `clicker` runs; `lead` is the role that leads the response.
        func command(incident: Int64, clicker: ChatUser, lead: String) -> ChatCommand {
            switch self {
            case .commander: .act(incident, .assign(role: lead, user: clicker))
            case .silence: .silence(incident, duration: Self.silenceFor, comment: nil)
            case .acknowledge, .mitigate, .resolve: .act(incident, .move(move ?? .acknowledge, summary: nil))
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
        return Button.allCases.filter { $0.move.map(allowed.contains) ?? false }
    }

    /// The buttons of a message updated in place (Slack app mode): the moves, and while the
    /// incident is active, taking command and a silence.
    static func fullButtons(for status: IncidentStatus) -> [Button] {
        status.isActive ? buttons(for: status) + [.commander, .silence] : []
    }
}
