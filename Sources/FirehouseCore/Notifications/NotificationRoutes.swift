/// Which delivery targets want which events; the service consults it when a timeline entry is written.
public struct NotificationRoutes: Sendable, Equatable {
    /// A named destination and the events it receives.
    public struct Target: Sendable, Equatable {
        public var name: String
        public var events: Set<OutboundEvent>

        public init(name: String, events: Set<OutboundEvent>) {
            self.name = name
            self.events = events
        }
    }

    public var targets: [Target]

    public init(_ targets: [Target] = []) { self.targets = targets }

    /// Names of the targets that receive this entry's event, in configuration order.
    public func targets(for entry: TimelineDraft) -> (OutboundEvent, [String])? {
        guard !targets.isEmpty, let event = OutboundEvent.of(entry.event) else { return nil }
        let names = targets.filter { $0.events.contains(event) }.map(\.name)
        return names.isEmpty ? nil : (event, names)
    }
}
