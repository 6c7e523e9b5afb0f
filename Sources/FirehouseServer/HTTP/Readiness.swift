import Logging
import ServiceLifecycle
import Synchronization

/// Whether `/readyz` should say ready, and `/healthz` alive. Readiness is turned off first at
/// shutdown, so load balancers stop sending traffic while in-flight requests still finish; the
/// process is marked broken when its store can no longer commit (a failed WAL flush), so `serve`
/// exits non-zero however it stops.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)
    private let broken = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    public func startDraining() { draining.store(true, ordering: .releasing) }

    public var isBroken: Bool { broken.load(ordering: .acquiring) }

    public func markBroken() { broken.store(true, ordering: .releasing) }
}

/// Runs beside the application; it is shut down before it (services stop in reverse order): it turns
/// readiness off, waits `delay` so endpoints are removed, then lets the server stop.
public struct DrainService: Service {
    let readiness: Readiness
    let delay: Duration
    let logger: Logger

    public init(readiness: Readiness, delay: Duration, logger: Logger) {
        self.readiness = readiness
        self.delay = delay
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        logger.info("draining: readiness off", metadata: ["delay": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
