extension AlertmanagerNotification {
    /// Decodes a webhook body, reporting the first problem as a `PayloadError` naming the field.
    /// Unknown fields (later Alertmanager versions add some) are ignored.
    public static func decode(json: some Collection<UInt8>, limits: PayloadLimits = .standard) throws(PayloadError)
        -> AlertmanagerNotification {
        let document: JSONValue
        do {
            document = try JSONValue.parse(json)
        } catch {
            throw PayloadError(field: "", message: "malformed JSON: \(error.message) at byte \(error.offset)")
        }
        return try AlertmanagerNotification(document, limits: limits)
    }

    init(_ json: JSONValue, limits: PayloadLimits) throws(PayloadError) {
        let body = try Field(json, path: "").object("body must be a JSON object")
        let version = try body.string("version")
        guard version == "4" else {
            throw PayloadError(field: "version", message: "unsupported version \"\(version.prefix(20))\", expected \"4\"")
        }
        self.version = version
        receiver = try body.string("receiver")
        status = try body.status("status")
        guard let alertList = body["alerts"] else { throw PayloadError(field: "alerts", message: "is required") }
        guard case .array(let items) = alertList.value else { throw PayloadError(field: "alerts", message: "expected an array") }
        guard !items.isEmpty else { throw PayloadError(field: "alerts", message: "must not be empty") }
        guard items.count <= limits.maxAlerts else {
            throw PayloadError(field: "alerts", message: "\(items.count) alerts, the limit is \(limits.maxAlerts) per notification")
        }
        var alerts: [Alert] = []
        alerts.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            alerts.append(try Alert(Field(item, in: "alerts", at: index), limits: limits))
        }
        self.alerts = alerts
        groupLabels = try body.labels("groupLabels", limits: limits, valueBytes: limits.maxLabelValueBytes) ?? [:]
        commonLabels = try body.labels("commonLabels", limits: limits, valueBytes: limits.maxLabelValueBytes) ?? [:]
        commonAnnotations = try body.labels("commonAnnotations", limits: limits, valueBytes: limits.maxAnnotationValueBytes) ?? [:]
        externalURL = try body.optionalString("externalURL") ?? ""
        groupKey = try body.optionalString("groupKey") ?? ""
        truncatedAlerts = try body.optionalCount("truncatedAlerts") ?? 0
    }
}

extension AlertmanagerNotification.Alert {
    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    init(_ field: Field, limits: PayloadLimits) throws(PayloadError) {
        let alert = try field.object("expected an object")
        status = try alert.status("status")
        guard let labels = try alert.labels("labels", limits: limits, valueBytes: limits.maxLabelValueBytes) else {
            throw PayloadError(field: alert.child("labels"), message: "is required")
        }
        guard !labels.isEmpty else { throw PayloadError(field: alert.child("labels"), message: "must have at least one label") }
        // Alertmanager drops empty-valued labels on input; do the same so fingerprints agree
        // (a filter rebuilds the dictionary, so only when there is one to drop).
        self.labels = labels.values.contains(where: \.isEmpty) ? labels.filter { !$0.value.isEmpty } : labels
        annotations = try alert.labels("annotations", limits: limits, valueBytes: limits.maxAnnotationValueBytes) ?? [:]
        let starts = try alert.string("startsAt")
        guard let startsAt = Timestamp(rfc3339: starts) else {
            throw PayloadError(field: alert.child("startsAt"), message: "not an RFC 3339 time \(Timestamp.representableText): \(starts.prefix(40))")
        }
        self.startsAt = startsAt
        endsAt = nil
        if let ends = try alert.optionalString("endsAt"), !ends.isEmpty {
            // Go's zero time (0001-01-01) means "not ended"; other times outside `representable` are refused.
            if let year = Int(ends.prefix(4)), year < 1678, ends.count > 4 {
                endsAt = nil
            } else if let value = Timestamp(rfc3339: ends) {
                endsAt = value
            } else {
                throw PayloadError(field: alert.child("endsAt"), message: "not an RFC 3339 time \(Timestamp.representableText): \(ends.prefix(40))")
            }
        }
        generatorURL = try alert.optionalString("generatorURL") ?? ""
        let given = try alert.optionalString("fingerprint") ?? ""
        // Alertmanager sends 16 hex digits; anything else would be shown in post-mortems and chat.
        guard given.utf8.count <= 64, given.utf8.allSatisfy({ Self.isHexDigit($0) }) else {
            throw PayloadError(field: alert.child("fingerprint"), message: "expected at most 64 hex digits (Alertmanager sends 16)")
        }
        fingerprint = given.isEmpty ? self.labels.alertFingerprint : given
    }
}

/// A JSON value and where it sits in the body, so every error can name its field.
struct Field {
    let value: JSONValue
    private let parent: String
    private let index: Int?
    /// Built only for an error: every alert of every body is a field.
    var path: String { index.map { "\(parent)[\($0)]" } ?? parent }

    init(_ value: JSONValue, path: String) {
        self.value = value
        parent = path
        index = nil
    }

    /// Item `index` of the array at `parent`.
    init(_ value: JSONValue, in parent: String, at index: Int) {
        self.value = value
        self.parent = parent
        self.index = index
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func object(_ message: String) throws(PayloadError) -> Field {
        guard case .object = value else { throw PayloadError(field: path, message: message) }
        return self
    }

    subscript(key: String) -> Field? { value[key].map { Field($0, path: child(key)) } }

    func string(_ key: String) throws(PayloadError) -> String {
        guard let text = try optionalString(key) else { throw PayloadError(field: child(key), message: "is required") }
        return text
    }

    func optionalString(_ key: String) throws(PayloadError) -> String? {
        switch value[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw PayloadError(field: child(key), message: "expected a string")
        }
    }

    func status(_ key: String) throws(PayloadError) -> AlertStatus {
        let text = try string(key)
        guard let status = AlertStatus(rawValue: text) else {
            throw PayloadError(field: child(key), message: "expected \"firing\" or \"resolved\", got \"\(text.prefix(20))\"")
        }
        return status
    }

    /// An object of strings (labels, annotations) within the limits; nil when absent or null.
    func labels(_ key: String, limits: PayloadLimits, valueBytes: Int) throws(PayloadError) -> LabelSet? {
        switch value[key] {
        case nil, .null?:
            return nil
        case .object(let members)?:
            guard members.count <= limits.maxLabels else {
                throw PayloadError(field: child(key), message: "\(members.count) entries, the limit is \(limits.maxLabels)")
            }
            var labels = LabelSet(minimumCapacity: members.count)
            for (name, item) in members {
                // The field's path is built only for an error: this loop runs for every label of every alert.
                func field() -> String { "\(child(key)).\(name.prefix(64))" }
                guard case .string(let text) = item else { throw PayloadError(field: field(), message: "expected a string") }
                guard name.utf8.count <= limits.maxLabelValueBytes else {
                    throw PayloadError(field: field(), message: "the name is \(name.utf8.count) bytes, the limit is \(limits.maxLabelValueBytes)")
                }
                guard text.utf8.count <= valueBytes else {
                    throw PayloadError(field: field(), message: "the value is \(text.utf8.count) bytes, the limit is \(valueBytes)")
                }
                labels[name] = text
            }
            return labels
        default:
            throw PayloadError(field: child(key), message: "expected an object of strings")
        }
    }

    func optionalCount(_ key: String) throws(PayloadError) -> Int? {
        switch value[key] {
        case nil, .null?: return nil
        case .number(let n)?:
            guard n >= 0, n == n.rounded(), n < 1e15 else { throw PayloadError(field: child(key), message: "must be a non-negative integer") }
            return Int(n)
        default: throw PayloadError(field: child(key), message: "expected an integer")
        }
    }
}
