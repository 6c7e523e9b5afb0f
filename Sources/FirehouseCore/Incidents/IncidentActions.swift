/// Decides what a human action does to an incident. Pure: the store loads the incident and its
/// roles, calls `decide`, and writes the effects in the same transaction.
public enum IncidentActions {
    /// What to write.
    public struct Effects: Sendable, Equatable {
        public var head: IncidentHead
        /// Role assignments to end (by id) at `now`.
        public var endedRoles: [Int64]
        public var startedRoles: [RoleStart]
        public var timeline: [TimelineDraft]
    }

    /// A role someone takes up now.
    public struct RoleStart: Sendable, Equatable {
        public var role: String
        public var user: ChatUser

        public init(role: String, user: ChatUser) {
            self.role = role
            self.user = user
        }
    }

    /// The outcome of an action.
    public enum Decision: Sendable, Equatable {
        case changed(Effects)
        /// Nothing to do, e.g. acknowledging an acknowledged incident; the text says so.
        case unchanged(String)
        /// Not allowed from the incident's state; nothing changes.
        case refused(String)
    }

    public static func decide(_ action: IncidentAction, head: IncidentHead, roles: [RoleAssignment],
                              actor: Actor, now: Timestamp) -> Decision {
        let ref = IncidentReference.format(head.id)
        var effects = Effects(head: head, endedRoles: [], startedRoles: [], timeline: [])
        func entry(_ event: TimelineEvent, _ text: String) {
            effects.timeline.append(TimelineDraft(at: now, actor: actor.name, actorID: actor.id, text: text, event: event))
        }
        // Roles, severity and title of a closed incident stay as they were closed (its post-mortem's facts).
        func refusedWhenClosed() -> Decision? {
            head.status == .closed ? .refused("\(ref) is closed; reopen it first") : nil
        }
        switch action {
        case .move(let move, let summary):
            switch IncidentLifecycle.apply(move, to: head.milestones, at: now) {
            case .moved(let from, var next):
                // A person moving it out of triggered has seen it: that is the acknowledgement
                // (the correlator's resolve of an unseen incident goes through the lifecycle alone).
                if from == .triggered, next.acknowledgedAt == nil { next.acknowledgedAt = now }
                effects.head.milestones = next
                var text = "status \(from.rawValue) → \(next.status.rawValue)"
                if let summary { text += ": \(summary)" }
                if move == .reopen { effects.head.reopenCount += 1 }
                entry(.statusChanged(from: from, to: next.status, summary: summary), text)
            case .unchanged(let status):
                return .unchanged("\(ref) is already \(status.rawValue)")
            case .illegal(let from, let move, let allowed):
                let options = allowed.map(\.rawValue).joined(separator: ", ")
                return .refused("cannot \(move.rawValue) \(ref): it is \(from.rawValue)"
                    + (allowed.isEmpty ? "" : " (possible: \(options))"))
            }
        case .setSeverity(let severity):
            if let closed = refusedWhenClosed() { return closed }
            if severity == head.severity, head.severityPinned { return .unchanged("\(ref) is already \(severity.name)") }
            effects.head.severity = severity
            effects.head.severityPinned = true
            entry(.severityChanged(from: head.severity, to: severity), "severity \(head.severity.name) → \(severity.name)")
        case .assign(let role, let user):
            if let closed = refusedWhenClosed() { return closed }
            let current = roles.first { $0.role == role && $0.isCurrent }
            if let current, current.user.id == user.id { return .unchanged("\(user.name) is already \(role) of \(ref)") }
            if let current {
                effects.endedRoles.append(current.id)
                entry(.roleAssigned(role: role, user: user, previous: current.user.name),
                      "\(role) handed over from \(current.user.name) to \(user.name)")
            } else {
                entry(.roleAssigned(role: role, user: user, previous: nil), "\(user.name) is now \(role)")
            }
            effects.startedRoles.append(RoleStart(role: role, user: user))
        case .unassign(let role):
            if let closed = refusedWhenClosed() { return closed }
            guard let current = roles.first(where: { $0.role == role && $0.isCurrent }) else {
                return .unchanged("nobody holds \(role) on \(ref)")
            }
            effects.endedRoles.append(current.id)
            entry(.roleUnassigned(role: role, user: current.user), "\(current.user.name) is no longer \(role)")
        case .note(let text):
            entry(.note, text)
        case .retitle(let title):
            if let closed = refusedWhenClosed() { return closed }
            guard title != head.title else { return .unchanged("\(ref) already has that title") }
            effects.head.title = title
            entry(.titleChanged(from: head.title, to: title), "title changed to \"\(title)\"")
        }
        return .changed(effects)
    }
}
