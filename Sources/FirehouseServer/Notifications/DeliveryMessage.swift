import Crypto
import FirehouseCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a due delivery into the HTTP request for its target.
struct DeliveryMessage: Sendable {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        let rendered = text.render(delivery)
        var headers = ["Content-Type": "application/json", "X-Firehouse-Delivery": String(delivery.id)]
        let body: [UInt8]
        switch target.kind {
        case .slack, .mattermost:
            body = Self.encode(["text": rendered])
        case .webhook:
            body = Self.encode(WebhookBody(delivery: delivery, text: rendered, links: links(delivery)))
            // Retries send the same key: a receiver that keeps it can drop the duplicate a lost
            // acknowledgement causes.
            headers["Idempotency-Key"] = "firehouse-delivery-\(delivery.id)"
            if !target.secret.isEmpty {
                let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(target.secret.utf8)))
                headers["X-Firehouse-Signature"] = "sha256=" + mac.map { byte in
                    let hex = String(byte, radix: 16)
                    return byte < 16 ? "0" + hex : hex
                }.joined()
            }
        }
        return OutboundRequest(method: "POST", url: target.url, headers: headers, body: body)
    }

    private func links(_ delivery: PendingDelivery) -> [String: String] {
        let id = delivery.incident.head.id
        guard let incident = text.links.incident(id) else { return [:] }
        var links = ["incident": incident]
        if delivery.event == .closed { links["postmortem"] = text.links.postmortem(id) }
        return links
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    /// The generic webhook body: `{delivery_id, event, text, incident, entry, links}`.
    struct WebhookBody: Encodable {
        var delivery: PendingDelivery
        var text: String
        var links: [String: String]

        private enum Keys: String, CodingKey { case delivery_id, event, text, incident, entry, links }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(delivery.id, forKey: .delivery_id)
            try c.encode(delivery.event.rawValue, forKey: .event)
            try c.encode(text, forKey: .text)
            try c.encode(IncidentJSON(summary: delivery.incident), forKey: .incident)
            try c.encode(TimelineEntryJSON(entry: delivery.entry), forKey: .entry)
            try c.encode(links, forKey: .links)
        }
    }
}
