/// The synthetic alert `firehouse drill` sends through Alertmanager: labels that satisfy a runbook's
/// matchers, plus the drill label and a label naming this run (so its incident is found, and two
/// runs never meet). Pure.
public enum DrillAlert {
    public static let runLabel = "firehouse_drill_run"

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unsatisfiable(String)

        public var description: String {
            switch self {
            case .unsatisfiable(let matcher): "the matcher \(matcher) cannot be satisfied by a synthetic alert; pick a runbook with = matchers"
            }
        }
    }

    /// `=` sets the label; `=~` an alternation of plain words takes the first; `!=` and `!~` are
    /// met by leaving the label out (unless they refuse the empty value).
    public static func labels(for matchers: [LabelMatcher], drillLabel: String, drillValue: String, run: String) throws(Problem) -> LabelSet {
        var labels = LabelSet()
        for matcher in matchers {
            switch matcher.op {
            case .equal:
                labels[matcher.name] = matcher.value
            case .regex:
                let first = String(matcher.value.split(separator: "|", omittingEmptySubsequences: false).first ?? "")
                guard !first.isEmpty, first.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:/ ".contains($0) }) else {
                    throw .unsatisfiable(matcher.description)
                }
                labels[matcher.name] = first
            case .notEqual, .notRegex:
                break
            }
        }
        if !drillLabel.isEmpty { labels[drillLabel] = drillValue }
        labels[runLabel] = run
        guard matchers.allSatisfy({ $0.matches(labels) }) else {
            throw .unsatisfiable(matchers.first { !$0.matches(labels) }?.description ?? "")
        }
        if labels["alertname"] == nil { labels["alertname"] = "FirehouseDrill" }
        return labels
    }
}
