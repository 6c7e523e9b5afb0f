import FirehouseCore

extension FirehouseConfig {
    /// `slo:` — service objectives and error budgets.
    public struct SLOSection: Sendable, Equatable {
        public var services: [ServiceObjective] = []
        public var impactEnd = ImpactEnd.mitigated

        public var policy: SLOPolicy { SLOPolicy(services: services, impactEnd: impactEnd) }
    }

    /// `drills:` — which alerts open drills (game days) instead of incidents.
    public struct DrillsSection: Sendable, Equatable {
        /// An alert with this label set to `value` opens a drill; empty: alerts never do.
        public var label = "drill"
        public var value = "true"
    }

    /// `heartbeat:` — the always-firing alert that proves the alerting pipeline works. Off while
    /// `alertname` is empty.
    public struct HeartbeatSection: Sendable, Equatable {
        public var alertname = ""
        /// Silent this long: the pipeline-silent incident opens.
        public var timeout = TimeSpan.minutes(5)
        /// How often silence is checked.
        public var checkInterval = TimeSpan.seconds(30)

        public var heartbeat: Heartbeat? { alertname.isEmpty ? nil : Heartbeat(alertname: alertname, timeout: timeout) }
    }
}
