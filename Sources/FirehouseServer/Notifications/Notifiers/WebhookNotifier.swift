import Crypto
import FirehouseCore

/// The generic webhook: `{delivery_id, event, text, incident, entry, links}`, an `Idempotency-Key`
/// that retries repeat, and an HMAC signature when the target has a secret.
struct WebhookNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        let body = RequestJSON.encode(Body(delivery: delivery, text: text.render(delivery), links: links(delivery)))
        var headers = Notifiers.headers(delivery)
        // Retries send the same key: a receiver that keeps it can drop the duplicate a lost
        // acknowledgement causes.
        headers["Idempotency-Key"] = "firehouse-delivery-\(delivery.id)"
        if !target.secret.isEmpty {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(target.secret.utf8)))
            headers["X-Firehouse-Signature"] = "sha256=" + mac.hex
        }
        return OutboundRequest(method: "POST", url: target.url, headers: headers, body: body)
    }

    private func links(_ delivery: PendingDelivery) -> [String: String] {
        let id = delivery.incident.head.id
        guard let incident = text.links.incident(id) else { return [:] }
        var links = ["incident": incident]
        if delivery.event == .closed { links["postmortem"] = text.links.postmortem(id) }
        // For people: the web view's pages (the two above stay the API's, for tools).
        if text.links.webPages {
            links["incident_page"] = text.links.incidentPage(id)
            if delivery.event == .closed { links["postmortem_page"] = text.links.postmortemPage(id) }
        }
        return links
    }

    struct Body: Encodable {
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
