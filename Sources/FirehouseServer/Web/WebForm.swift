/// A web form's fields (`application/x-www-form-urlencoded`, decoded by `FormFields`).
struct WebForm: Sendable, Equatable {
    var fields: [String: String]

    init(bytes: some Sequence<UInt8>) {
        fields = FormFields.parse(String(decoding: Array(bytes), as: UTF8.self))
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A field's value without surrounding whitespace; nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
