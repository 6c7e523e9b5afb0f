import FirehouseCore
import Hummingbird

/// The `{id}` of an incident route: `12`, `#12` (URL-encoded) or `INC-12`.
struct IncidentParameter: LosslessStringConvertible, Sendable {
    let id: Int64

    init?(_ text: String) {
        guard let id = IncidentReference.parse(text.removingPercentEncoding ?? "") else { return nil }
        self.id = id
    }

    var description: String { IncidentReference.format(id) }
}

extension FirehouseContext {
    /// The route's incident id, or a 400 that says which forms are accepted.
    func incidentID() throws -> Int64 {
        guard let parameter = parameters.get("id", as: IncidentParameter.self) else {
            throw APIError.badRequest("id: expected an incident id such as 12 or INC-12")
        }
        return parameter.id
    }
}
