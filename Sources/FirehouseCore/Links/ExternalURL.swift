/// Every link Firehouse gives out (chat replies, notifications, post-mortems, web pages), built
/// from one configured external URL (`server.external_url`). Empty: links are not known.
public struct ExternalURL: Sendable, Equatable {
    /// Scheme, host and path prefix, without a trailing slash; empty when not configured.
    public let base: String
    /// Whether the web view (`/ui`) is served: then links for people open its pages.
    public var webPages: Bool

    /// A trailing slash is dropped, so `https://fh.example/` and `https://fh.example` are one URL.
    public init(_ base: String = "", webPages: Bool = true) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.webPages = webPages
    }

    /// Where a person looks at the incident: its web page, or its API resource without the web view.
    public func incidentPage(_ id: Int64) -> String? { webPages ? absolute("/ui/incidents/\(id)") : incident(id) }
    /// Where a person reads the latest post-mortem draft: its web page, or the API's Markdown.
    public func postmortemPage(_ id: Int64) -> String? { webPages ? absolute("/ui/incidents/\(id)/postmortem") : postmortem(id) }

    /// Where a person sees the list of incidents.
    public var incidentListPage: String? { absolute(webPages ? "/ui/incidents" : "/api/v1/incidents") }
    /// A runbook's page; nil without the web view or for an id that would need escaping in a link.
    public func runbookPage(_ id: String) -> String? {
        guard webPages, !id.isEmpty, id.utf8.allSatisfy({ $0 < 0x80 && ($0 == 0x2D || $0 == 0x2E || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)) })
        else { return nil }
        return absolute("/ui/runbooks/\(id)")
    }

    public var isConfigured: Bool { !base.isEmpty }

    /// The incident's API resource, or nil when the external URL is unknown.
    public func incident(_ id: Int64) -> String? { absolute(Self.incidentPath(id)) }
    /// The incident's latest post-mortem draft, or nil when the external URL is unknown.
    public func postmortem(_ id: Int64) -> String? { absolute(Self.incidentPath(id) + "/postmortem") }
    /// The post-mortem link, relative to the server when the external URL is unknown.
    public func postmortemOrPath(_ id: Int64) -> String { postmortem(id) ?? Self.incidentPath(id) + "/postmortem" }

    static func incidentPath(_ id: Int64) -> String { "/api/v1/incidents/\(id)" }

    private func absolute(_ path: String) -> String? { base.isEmpty ? nil : base + path }
}
