/// A webhook or request body that cannot be accepted; `field` names where, e.g. `alerts[2].labels`.
public struct PayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

extension PayloadError {
    /// Turns a `DecodingError` into a message that names the field by its JSON path.
    public init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            self.init(field: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", message: "is required")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            self.init(field: field, message: field.isEmpty ? "body must be a JSON object" : "expected \(Self.jsonName(of: type))")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), message: "expected \(Self.jsonName(of: type)), got null")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                self.init(field: "", message: "malformed JSON")
            } else {
                self.init(field: field, message: context.debugDescription)
            }
        @unknown default:
            self.init(field: "", message: "malformed body")
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        case is [String: String].Type: return "an object of strings"
        case is Dictionary<String, Any>.Type: return "an object"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array") ? "an array" : (name.hasPrefix("Dictionary") ? "an object" : "a \(name)")
        }
    }
}
