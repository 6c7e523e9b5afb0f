import FirehouseCore
import FirehouseService
import Hummingbird

/// `/healthz` (process alive and its store not broken, no database access) and `/readyz`
/// (database open, migrated and writable).
struct HealthController: Sendable {
    let repository: any IncidentUseCases
    let readiness: Readiness

    func addRoutes(to routes: Routes) {
        routes.get("/healthz", .open) { _, _ in
            // Once a WAL flush failed the process is exiting (StorageWatchdog); it must not look alive meanwhile.
            readiness.isBroken ? JSONResponse.make(["status": "broken", "error": "a WAL flush failed; restart to recover the database"],
                                           status: .serviceUnavailable)
                : JSONResponse.make(["status": "ok"])
        }
        routes.get("/readyz", .open) { _, _ in
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
