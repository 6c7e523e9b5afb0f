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
