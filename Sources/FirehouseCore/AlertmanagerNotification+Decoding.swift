#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AlertmanagerNotification: Decodable {
    private enum Keys: String, CodingKey {
        case receiver, status, alerts, groupLabels, commonLabels, commonAnnotations, externalURL,
             version, groupKey, truncatedAlerts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let version = try c.decode(String.self, forKey: .version)
        guard version == "4" else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: c, debugDescription: "unsupported version \"\(version.prefix(20))\", expected \"4\"")
        }
        self.version = version
        self.receiver = try c.decode(String.self, forKey: .receiver)
        self.status = try c.decode(AlertStatus.self, forKey: .status)
        self.alerts = try c.decode([Alert].self, forKey: .alerts)
        guard !alerts.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .alerts, in: c, debugDescription: "must not be empty")
        }
        self.groupLabels = try c.decodeIfPresent(LabelSet.self, forKey: .groupLabels) ?? [:]
        self.commonLabels = try c.decodeIfPresent(LabelSet.self, forKey: .commonLabels) ?? [:]
        self.commonAnnotations = try c.decodeIfPresent(LabelSet.self, forKey: .commonAnnotations) ?? [:]
        self.externalURL = try c.decodeIfPresent(String.self, forKey: .externalURL) ?? ""
        self.groupKey = try c.decodeIfPresent(String.self, forKey: .groupKey) ?? ""
        self.truncatedAlerts = try c.decodeIfPresent(Int.self, forKey: .truncatedAlerts) ?? 0
        guard truncatedAlerts >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .truncatedAlerts, in: c, debugDescription: "must not be negative")
        }
    }

    /// Decodes a webhook body, reporting the first problem as a `PayloadError` naming the field.
    public static func decode(json: some Collection<UInt8>) throws(PayloadError) -> AlertmanagerNotification {
        do {
            return try JSONDecoder().decode(AlertmanagerNotification.self, from: Data(json))
        } catch let error as DecodingError {
            throw PayloadError(error)
        } catch {
            throw PayloadError(field: "", message: "malformed JSON")
        }
    }
}

extension AlertStatus {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = AlertStatus(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected \"firing\" or \"resolved\", got \"\(text.prefix(20))\"")
        }
        self = value
    }
}

extension AlertmanagerNotification.Alert: Decodable {
    private enum Keys: String, CodingKey {
        case status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.status = try c.decode(AlertStatus.self, forKey: .status)
        let labels = try c.decode(LabelSet.self, forKey: .labels)
        guard !labels.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .labels, in: c, debugDescription: "must have at least one label")
        }
        // Alertmanager drops empty-valued labels on input; do the same so fingerprints agree.
        self.labels = labels.filter { !$0.value.isEmpty }
        self.annotations = try c.decodeIfPresent(LabelSet.self, forKey: .annotations) ?? [:]
        self.startsAt = try c.decode(Timestamp.self, forKey: .startsAt)
        self.endsAt = try Self.decodeEndsAt(c)
        self.generatorURL = try c.decodeIfPresent(String.self, forKey: .generatorURL) ?? ""
        let given = try c.decodeIfPresent(String.self, forKey: .fingerprint) ?? ""
        self.fingerprint = given.isEmpty ? self.labels.alertFingerprint : given
    }

    private static func decodeEndsAt(_ c: KeyedDecodingContainer<Keys>) throws -> Timestamp? {
        guard let text = try c.decodeIfPresent(String.self, forKey: .endsAt), !text.isEmpty else { return nil }
        // Go's zero time means "not ended"; years before 1678 do not fit nanoseconds anyway.
        if let year = Int(text.prefix(4)), year < 1678, text.count > 4 { return nil }
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .endsAt, in: c, debugDescription: "not an RFC 3339 time: \(text.prefix(40))")
        }
        return value
    }
}
