import Crypto
import FirehouseCore
import FirehouseService
import Hummingbird
import Logging

/// `POST /api/v1/alertmanager`: a webhook body in, committed incidents out.
struct AlertmanagerController: Sendable {
    let repository: any IncidentUseCases
    let auth: StaticCredential
    let maxBodyBytes: Int
    let limits: PayloadLimits
    /// Receiver names counted by name on metrics; any other is `other` (the sender picks the name).
    let receivers: Set<String>
    let metrics: FirehouseMetrics

    func addRoutes(to routes: Routes) {
        routes.post("/api/v1/alertmanager", .webhook, use: receive)
    }

    /// `{"incidents":[{"id":1,"action":"opened"}]}`, the `Encodable` shape of `IngestResult`s
    /// written straight to bytes: JSONEncoder was a visible share of a storm's CPU.
    static func reply(_ results: [IngestResult]) -> [UInt8] {
        var out = Array(#"{"incidents":["#.utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"id":"#.utf8
            JSONNumber.append(result.id, to: &out)
            out += #","action":"#.utf8
            JSONString.append(result.action.rawValue, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += "]}".utf8
        return out
    }

    @Sendable func receive(_ request: Request, context: FirehouseContext) async throws -> Response {
        var receiver = "unknown"
        do {
            let response = try await ingest(request, context: context, receiver: &receiver)
            metrics.notificationReceived(receiver: receiver, result: "ok")
            return response
        } catch {
            let result = Self.result(of: error)
            metrics.notificationReceived(receiver: receiver, result: result)
            if result == "unauthorized" {
                metrics.authDenied(route: "/api/v1/alertmanager", reason: "credentials")
                context.logger.warning("access denied", metadata: [
                    "route": "/api/v1/alertmanager", "reason": "\(error)",
                    "credentials": "\(request.headers[.authorization] == nil ? "missing" : "wrong")",
                ])
            }
            throw error
        }
    }

    static func result(of error: any Error) -> String {
        switch error {
        case is PayloadError: return "bad_request"
        case let api as APIError where api.status == .unprocessableContent: return "dead_letter"
        case is StorageUnavailable: return "unavailable"
        case let api as APIError where api.status == .unauthorized: return "unauthorized"
        case let api as APIError where api.status == .contentTooLarge: return "too_large"
        default: return "error"
        }
    }

    private func ingest(_ request: Request, context: FirehouseContext, receiver: inout String) async throws -> Response {
        try auth.check(request)
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        let notification = try AlertmanagerNotification.decode(json: body.readableBytesView, limits: limits)
        receiver = receivers.contains(notification.receiver) ? notification.receiver : "other"
        let results: [IngestResult]
        do {
            results = try await repository.ingest(notification)
        } catch let rejected as NotificationRejected {
            // Retrying cannot help: keep the body (durably, before answering) and answer 4xx so
            // Alertmanager stops. If keeping it fails, that is storage trouble: 503, and the retry
            // is kept then.
            let id = try await repository.deadLetter(DeadLetterDraft(
                digest: Array(SHA256.hash(data: body.readableBytesView)), receiver: notification.receiver,
                groupKey: notification.groupKey, error: rejected.reason, body: Array(body.readableBytesView)))
            metrics.deadLettered()
            context.logger.error("notification rejected, kept as a dead letter", metadata: [
                "receiver": "\(notification.receiver)", "group_key": "\(notification.groupKey)", "dead_letter": "\(id)",
                "error": "\(rejected.reason)",
            ])
            throw APIError(.unprocessableContent, "notification rejected and kept as dead letter \(id) "
                + "(GET /api/v1/dead-letters): \(rejected.reason)")
        }
        metrics.alertsReceived(notification.alerts.count)
        var metadata: Logger.Metadata = [
            "receiver": "\(notification.receiver)", "group_key": "\(notification.groupKey)",
            "alerts": "\(notification.alerts.count)",
            "incidents": "\(results.map { "\($0.id):\($0.action.rawValue)" }.joined(separator: ","))",
        ]
        // The stable `incident` key when one incident is concerned (nearly always: one group).
        if results.count == 1 { metadata["incident"] = "\(results[0].id)" }
        context.logger.info("notification ingested", metadata: metadata)
        return JSONResponse.bytes(Self.reply(results))
    }
}
