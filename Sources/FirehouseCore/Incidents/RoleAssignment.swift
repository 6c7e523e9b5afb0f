/// Someone holding a response role on an incident, from when to when (nil: still holds it).
public struct RoleAssignment: Sendable, Equatable {
    public var id: Int64
    public var role: String
    public var user: ChatUser
    public var from: Timestamp
    public var to: Timestamp?
    public var assignedBy: String

    public init(id: Int64, role: String, user: ChatUser, from: Timestamp, to: Timestamp? = nil, assignedBy: String) {
        self.id = id
        self.role = role
        self.user = user
        self.from = from
        self.to = to
        self.assignedBy = assignedBy
    }

    public var isCurrent: Bool { to == nil }
}
