extension Correlator {
    /// Mutable scratch state of one `correlate` call.
    struct Work {
        let state: CorrelationState
        let now: Timestamp
        var plans: [IncidentRef: IncidentPlan] = [:]
        var order: [IncidentRef] = []
        var firing: [IncidentRef: Int] = [:]
        var activeByKey: [String: IncidentRef]
        var resolvedByKey: [String: IncidentRef]
        var touched: [Int64] = []
        var opened = 0

        init(state: CorrelationState, now: Timestamp) {
            self.state = state
            self.now = now
            self.activeByKey = state.activeByKey.mapValues { .existing($0) }
            self.resolvedByKey = state.resolvedByKey.mapValues { .existing($0) }
        }

        mutating func startPlan(_ ref: IncidentRef, head: IncidentHead, firing count: Int) {
            plans[ref] = IncidentPlan(
                ref: ref, head: head, headChanged: { if case .new = ref { true } else { false } }(),
                newAlerts: [], alertUpdates: [], timeline: [], outcome: .unchanged, attachRunbooks: [])
            order.append(ref)
            firing[ref] = count
        }

        /// The plan for an incident, started from the stored snapshot on first use.
        subscript(plan ref: IncidentRef) -> IncidentPlan {
            mutating get {
                if let plan = plans[ref] { return plan }
                guard case .existing(let id) = ref, let snapshot = state.incidents[id] else {
                    preconditionFailure("correlation state lacks incident \(ref)")
                }
                startPlan(ref, head: snapshot.head, firing: snapshot.firingAlerts)
                return plans[ref]!
            }
            set { plans[ref] = newValue }
        }

        mutating func raise(_ ref: IncidentRef, to outcome: IngestOutcome) {
            if plans[ref]!.outcome < outcome { plans[ref]!.outcome = outcome }
        }

        func recentlyResolved(key: String, window: TimeSpan) -> IncidentRef? {
            guard let ref = resolvedByKey[key] else { return nil }
            let head: IncidentHead
            if let plan = plans[ref] {
                head = plan.head
            } else if case .existing(let id) = ref, let snapshot = state.incidents[id] {
                head = snapshot.head
            } else {
                return nil
            }
            guard head.status == .resolved, let resolvedAt = head.milestones.resolvedAt else { return nil }
            return now - resolvedAt <= window ? ref : nil
        }
    }
}
