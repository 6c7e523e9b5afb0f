import FirehouseCore
import Hummingbird
import NIOCore

/// The context every Firehouse route runs in: Hummingbird's core plus who the caller is.
public struct FirehouseContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the route's access check: `api:<token name>`, or `api` when the API is open (loopback,
    /// no tokens configured). Controllers take the actor of a change from here, never from a body.
    public var actor: Actor?
    /// The connection, kept so the web view can check the peer against `ui.trusted_proxies`; its
    /// address is read only there (reading it takes a lock, which the webhook path need not pay).
    let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The peer's IP address as text, nil when unknown (a Unix socket, a test channel).
    var peerAddress: String? { channel.remoteAddress?.ipAddress }

    /// The authenticated actor; a route without an access check has none, which is a wiring bug.
    func requireActor() throws -> Actor {
        guard let actor else { throw APIError(.internalServerError, "route has no access check") }
        return actor
    }
}
