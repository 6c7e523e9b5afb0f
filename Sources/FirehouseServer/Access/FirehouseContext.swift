import FirehouseCore
import Hummingbird

/// The context every Firehouse route runs in: Hummingbird's core plus who the caller is.
public struct FirehouseContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the route's access check: `api:<token name>`, or `api` when the API is open (loopback,
    /// no tokens configured). Controllers take the actor of a change from here, never from a body.
    public var actor: Actor?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The authenticated actor; a route without an access check has none, which is a wiring bug.
    func requireActor() throws -> Actor {
        guard let actor else { throw APIError(.internalServerError, "route has no access check") }
        return actor
    }
}
