/// What an API token may do. Ordered: `write` implies `read`, `admin` implies both.
public enum APIScope: String, Sendable, CaseIterable, Comparable {
    case read, write, admin

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
