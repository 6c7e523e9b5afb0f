import FirehouseCore
import Hummingbird




import Foundation


/// A chat command as it arrived: a Slack/Mattermost slash command (form) or a JSON body.
struct ChatRequest: Sendable, Equatable {
    var text: String
    var actor: Actor?
    var channel: String
    var token: String?
    /// Where a late answer goes (Slack's and Mattermost's `response_url`).
    var responseURL: String?

    /// Parses `application/x-www-form-urlencoded` (slash commands) or JSON (`{"text","user","channel"}`).
    static func parse(body: ByteBuffer, contentType: String?) throws -> ChatRequest {
        let bytes = Array(body.readableBytesView)
        if (contentType ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") {
            return fromForm(FormFields.parse(String(decoding: bytes, as: UTF8.self)))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw APIError.badRequest("body must be a slash-command form or a JSON object with \"text\"")
        }
        guard let text = object["text"] as? String else { throw APIError.badRequest("text: is required") }
        let user = (object["user"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return ChatRequest(
            text: text, actor: user.map { Actor(id: $0, name: $0) },
            channel: object["channel"] as? String ?? "", token: object["token"] as? String)
    }

    static func fromForm(_ fields: [String: String]) -> ChatRequest {
        let userID = fields["user_id"].flatMap { $0.isEmpty ? nil : $0 }
        let userName = fields["user_name"].flatMap { $0.isEmpty ? nil : $0 }
        var actor: Actor?
        if let userID {
            let team = fields["team_id"].flatMap { $0.isEmpty ? nil : $0 }
            actor = Actor(id: team.map { "\($0):\(userID)" } ?? userID, name: userName ?? userID)
        } else if let userName {
            actor = Actor(id: userName, name: userName)
        }
        return ChatRequest(text: fields["text"] ?? "", actor: actor,
                           channel: fields["channel_name"] ?? fields["channel_id"] ?? "", token: fields["token"],
                           responseURL: fields["response_url"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
