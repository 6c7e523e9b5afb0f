import FirehouseCore

/// Alertmanager's API v2 silences: create for an incident, expire on `unsilence`.
struct AlertmanagerSilences: Sendable {
    let baseURL: String
    let http: any OutboundHTTP
    let timeout: Duration

    init(config: FirehouseConfig.AlertmanagerSection, http: any OutboundHTTP) {
        baseURL = config.url
        self.http = http
        timeout = config.timeout.duration
    }

    var isConfigured: Bool { !baseURL.isEmpty }

    /// Creates the silence; returns Alertmanager's silence id.
    func create(_ silence: SilenceRequest) async throws -> String {
        let body = RequestJSON.encode(SilenceBody(silence: silence))
        let response = try await send(OutboundRequest(
            method: "POST", url: "\(baseURL)/api/v2/silences", headers: ["Content-Type": "application/json"], body: body))
        guard (200..<300).contains(response.status) else { throw Self.answered(response) }
        guard case .string(let id)? = (try? JSONValue.parse(response.body))?["silenceID"], !id.isEmpty else {
            throw AlertmanagerError.noSilenceID(body: String(response.text.prefix(200)))
        }
        return id
    }

    /// Expires a silence. One Alertmanager no longer knows (its data was lost) is as good as
    /// expired: Alertmanager 0.25 answers that with 500 "silence not found" (checked against the
    /// Debian build), later versions with 404. Expiring an expired silence answers 200.
    func expire(_ id: String) async throws {
        // ASCII letters, digits and "-" by scalar (ids are UUIDs): `Character.isLetter` looks at a
        // cluster's first scalar only, so a letter with "/" or "." joined to it would pass.
        let escaped = String(String.UnicodeScalarView(id.unicodeScalars.filter {
            $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }))
        let response = try await send(OutboundRequest(method: "DELETE", url: "\(baseURL)/api/v2/silence/\(escaped)"))
        let unknown = response.status == 404 || (response.status == 500 && response.text.contains("not found"))
        guard (200..<300).contains(response.status) || unknown else { throw Self.answered(response) }
    }

    private func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        guard isConfigured else {
            throw AlertmanagerError.notConfigured
        }
        do {
            return try await http.send(request, timeout: timeout)
        } catch {
            throw AlertmanagerError.unreachable(url: baseURL, reason: "\(error)")
        }
    }

    private static func answered(_ response: OutboundResponse) -> AlertmanagerError {
        .answered(status: response.status, body: String(response.text.prefix(300)))
    }

    /// The v2 `postableSilence` shape.
    struct SilenceBody: Encodable {
        var silence: SilenceRequest

        struct Matcher: Encodable {
            var name: String
            var value: String
            var isRegex = false
            var isEqual = true
        }

        private enum Keys: String, CodingKey { case matchers, startsAt, endsAt, createdBy, comment }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            let matchers = silence.matchers.sorted { $0.key < $1.key }.map { Matcher(name: $0.key, value: $0.value) }
            try c.encode(matchers, forKey: .matchers)
            try c.encode(silence.startsAt, forKey: .startsAt)
            try c.encode(silence.endsAt, forKey: .endsAt)
            try c.encode(silence.createdBy, forKey: .createdBy)
            try c.encode(silence.comment, forKey: .comment)
        }
    }
}
