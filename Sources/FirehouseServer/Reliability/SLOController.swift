import FirehouseCore
import FirehouseService
import Hummingbird

/// `GET /api/v1/slo` (every configured service's error budget) and `GET /api/v1/slo/{service}`.
struct SLOController: Sendable {
    let repository: any IncidentUseCases
    let impactEnd: ImpactEnd

    func addRoutes(to routes: Routes) {
        routes.get("/api/v1/slo", .api(.read), use: list)
        routes.get("/api/v1/slo/:service", .api(.read), use: one)
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        let reports = try await repository.sloReports()
        return JSONResponse.make(SLOListJSON(services: reports.map { BudgetJSON(report: $0, impactEnd: impactEnd) }))
    }

    @Sendable func one(_ request: Request, context: FirehouseContext) async throws -> Response {
        let name = context.parameters.get("service") ?? ""
        guard let report = try await repository.sloReports().first(where: { $0.objective.service == name }) else {
            throw APIError(.notFound, "no service objective named \(name) (slo.services)")
        }
        return JSONResponse.make(BudgetJSON(report: report, impactEnd: impactEnd))
    }
}

struct SLOListJSON: Encodable {
    var services: [BudgetJSON]
}

/// One service's budget; durations in seconds, ratios as fractions, objective and availability in
/// percent.
struct BudgetJSON: Encodable {
    var service: String
    var objective: Double
    var window: String
    var windowSeconds: Double
    var match: [String]
    var impactEnd: String
    var allowedSeconds: Double
    var consumedSeconds: Double
    var remainingSeconds: Double
    var remainingRatio: Double
    var burnRate: Double
    var availability: Double
    var incidents: [Charged]

    struct Charged: Encodable {
        var id: Int64
        var ref: String
        var chargedSeconds: Double
    }

    init(report: ErrorBudget.Report, impactEnd: ImpactEnd) {
        let o = report.objective
        service = o.service
        objective = o.objective
        window = o.window.humanReadable
        windowSeconds = o.window.seconds
        match = o.match.map(\.description)
        self.impactEnd = impactEnd.rawValue
        allowedSeconds = report.allowed.seconds
        consumedSeconds = report.consumed.seconds
        remainingSeconds = report.remaining.seconds
        remainingRatio = Self.rounded(report.remainingRatio)
        burnRate = Self.rounded(report.burnRate)
        availability = Self.rounded(report.availability)
        incidents = report.incidents.map { Charged(id: $0.id, ref: IncidentReference.format($0.id), chargedSeconds: $0.charged.seconds) }
    }

    /// Six decimals: enough for 99.9999%, without float noise in the JSON.
    static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}
