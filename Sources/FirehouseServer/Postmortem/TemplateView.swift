import FirehouseCore
import Mustache

/// A value as a Mustache template sees it: its stored properties by name, through reflection, so
/// every field of `PostmortemModel` is in templates with no mapping to keep up. Times read
/// `YYYY-MM-DD HH:MM:SS` (UTC), durations `1h2m3s`; a missing value is empty text and a false section.
struct TemplateView: MustacheParent {
    let value: Any

    func child(named name: String) -> Any? {
        guard let child = Mirror(reflecting: value).children.first(where: { $0.label == name }) else { return nil }
        return Self.present(child.value)
    }

    static func present(_ value: Any) -> Any? {
        switch value {
        case let text as String: return text
        case let time as Timestamp: return PostmortemRenderer.time(time)
        case let span as TimeSpan: return PostmortemRenderer.span(span)
        case let number as Int: return number
        case let number as Int64: return number
        case let number as Double: return number
        case let flag as Bool: return flag
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional: return mirror.children.first.flatMap { present($0.value) }
        case .collection, .set: return mirror.children.compactMap { present($0.value) }
        default: return TemplateView(value: value)
        }
    }
}
