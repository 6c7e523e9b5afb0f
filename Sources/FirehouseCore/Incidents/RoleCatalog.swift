/// The response roles an incident can have, with their aliases; configurable.
public struct RoleCatalog: Sendable, Equatable {
    /// One role and the short names people type for it.
    public struct Role: Sendable, Equatable {
        public var name: String
        public var aliases: [String]

        public init(name: String, aliases: [String] = []) {
            self.name = name
            self.aliases = aliases
        }
    }

    public var roles: [Role]

    public init(roles: [Role]) { self.roles = roles }

    public static let `default` = RoleCatalog(roles: [
        Role(name: "commander", aliases: ["ic"]),
        Role(name: "communications", aliases: ["comms"]),
        Role(name: "operations", aliases: ["ops"]),
        Role(name: "scribe"),
    ])

    /// The canonical role name for what was typed (case-insensitive), or nil.
    public func resolve(_ text: String) -> String? {
        let lower = text.lowercased()
        return roles.first { $0.name == lower || $0.aliases.contains(lower) }?.name
    }

    public var names: [String] { roles.map(\.name) }

    /// The role that leads the response (the incident commander): the catalog's first role. The
    /// post-mortem measures the time nobody held it.
    public var lead: String { roles.first?.name ?? "commander" }
}
