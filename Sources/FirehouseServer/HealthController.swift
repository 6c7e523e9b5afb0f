import FirehouseCore
import Hummingbird

/// `/healthz` (process alive, no database) and `/readyz` (database open and migrated).
struct HealthController<Context: RequestContext>: Sendable {
    let repository: any IncidentRepository
    let readiness: Readiness

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            if readiness.isDraining {
                return JSONResponse.make(["status": "draining"], status: .serviceUnavailable)
            }
            do {
                try await repository.checkReady()
                return JSONResponse.make(["status": "ready"])
            } catch {
                return JSONResponse.make(["status": "not ready", "error": "\(error)"], status: .serviceUnavailable)
            }
        }
    }
}
