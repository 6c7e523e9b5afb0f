import FirehouseCore

/// The post-mortem renderer with hostile text everywhere people and alerts can put it (title,
/// labels, annotations, timeline, roles): it must not crash, and the text must not change the
/// document's structure: the same headings as with harmless text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostmortem(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
    func part(_ i: Int) -> String { parts.isEmpty ? "" : parts[i % parts.count] }
    let hostile = PostmortemRenderer.render(PostmortemBuilder.build(detail(part), library: RunbookLibrary()))
    let plain = PostmortemRenderer.render(PostmortemBuilder.build(detail { _ in "x" }, library: RunbookLibrary()))
    precondition(headings(hostile) == headings(plain), "text changed the headings:\n\(hostile)")
    return 0
}

/// Heading levels, with the section names of level 2 (levels 1 and 3 carry the title and alert names).
func headings(_ markdown: String) -> [Substring] {
    markdown.split(separator: "\n").filter { $0.hasPrefix("#") }.map { line in
        let level = line.prefix { $0 == "#" }
        return level.count == 2 ? line : level
    }
}

func detail(_ part: (Int) -> String) -> IncidentDetail {
    let t0 = Timestamp(seconds: 1_764_082_800)
    let head = IncidentHead(
        id: 7, correlationKey: "k", receiver: part(0), title: part(1), labels: labels([(part(2), part(3))]), severity: .sev2,
        milestones: .init(status: .closed, acknowledgedAt: t0 + .minutes(2), mitigatedAt: t0 + .minutes(9),
                          resolvedAt: t0 + .minutes(20), closedAt: t0 + .minutes(30)),
        openedAt: t0)
    let alert = AlertRecord(
        fingerprint: "0123456789abcdef", status: .resolved, labels: labels([("alertname", part(4)), (part(5), part(6))]),
        annotations: labels([("summary", part(7)), ("description", part(8)), ("runbook_url", part(9))]), startsAt: t0,
        endsAt: t0 + .minutes(20), generatorURL: part(10), firstSeenAt: t0, lastSeenAt: t0)
    let kinds = ["incident_opened", "note", "status_changed", "role_assigned", "severity_changed", "note"]
    let timeline = kinds.enumerated().map { i, kind in
        TimelineEntry(id: Int64(i), at: t0 + .minutes(Int64(i)), kind: kind, actor: part(11 + i), text: part(17 + i),
                      data: labels([("summary", part(23 + i)), ("to", part(24 + i))]))
    }
    let roles = [RoleAssignment(id: 1, role: "commander", user: ChatUser(id: part(30), name: part(31)),
                                from: t0 + .minutes(1), to: nil, assignedBy: part(32))]
    return IncidentDetail(summary: IncidentSummary(head: head, alertCount: 1, firingAlertCount: 0), alerts: [alert],
                          timeline: timeline, roles: roles)
}

/// Fuzzed keys may collide; a dictionary literal would trap on that (a harness bug, not a finding).
func labels(_ pairs: [(String, String)]) -> [String: String] {
    Dictionary(pairs, uniquingKeysWith: { first, _ in first })
}
