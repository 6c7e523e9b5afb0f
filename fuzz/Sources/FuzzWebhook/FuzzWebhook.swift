import FirehouseCore

/// The webhook decoder (and the JSON parser under it) on arbitrary bytes: it must answer a value
/// or a PayloadError, never crash, and what it accepts must be well-formed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let notification = try? AlertmanagerNotification.decode(json: bytes) else { return 0 }
    precondition(notification.version == "4")
    precondition(!notification.alerts.isEmpty && notification.alerts.count <= PayloadLimits.standard.maxAlerts)
    for alert in notification.alerts {
        precondition(!alert.fingerprint.isEmpty)
        precondition(alert.labels.values.allSatisfy { !$0.isEmpty })
        precondition(alert.labels.count <= PayloadLimits.standard.maxLabels)
    }
    // A parsed document survives being parsed again from the same bytes identically.
    precondition((try? JSONValue.parse(bytes)) != nil)
    return 0
}
