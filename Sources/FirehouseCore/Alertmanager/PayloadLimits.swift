/// Bounds on what one webhook body may hold, so a hostile or broken sender gets a clear 400 instead
/// of costing memory, disk and every later read of the incident.
public struct PayloadLimits: Sendable, Equatable {
    /// Alerts in one notification.
    public var maxAlerts: Int
    /// Entries in one label or annotation set.
    public var maxLabels: Int
    /// Bytes in one label name or value.
    public var maxLabelValueBytes: Int
    /// Bytes in one annotation value (descriptions run long).
    public var maxAnnotationValueBytes: Int

    /// Far above what Alertmanager sends in practice, far below what would hurt.
    public static let standard = PayloadLimits(maxAlerts: 10_000, maxLabels: 128, maxLabelValueBytes: 4096,
                                               maxAnnotationValueBytes: 65_536)

    public init(maxAlerts: Int, maxLabels: Int, maxLabelValueBytes: Int, maxAnnotationValueBytes: Int) {
        self.maxAlerts = maxAlerts
        self.maxLabels = maxLabels
        self.maxLabelValueBytes = maxLabelValueBytes
        self.maxAnnotationValueBytes = maxAnnotationValueBytes
    }
}
