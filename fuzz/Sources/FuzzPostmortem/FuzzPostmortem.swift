import FirehouseCore

/// The post-mortem renderer with hostile input in every field people and alerts can set (title,
/// labels, annotations, fingerprints, statuses, every time, timeline, roles): it must not crash,
/// and the text must not change the document's structure: the same headings as with harmless
/// text and the same times.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostmortem(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
    func part(_ i: Int) -> String { parts.isEmpty ? "" : parts[i % parts.count] }
    // Times anywhere in Int64, not only what the decoder accepts: the arithmetic must saturate.
    func number(_ i: Int) -> Int64 {
        let text = part(40 + i)
        if let value = Int64(text) { return value }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: deterministic, unlike hashValue
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: hash)
    }
    let alerts = 1 + Int(UInt8(truncatingIfNeeded: number(0)) % 4)
    let hostile = PostmortemRenderer.render(PostmortemBuilder.build(detail(part, number, alerts: alerts), library: RunbookLibrary()))
    let plain = PostmortemRenderer.render(PostmortemBuilder.build(detail({ _ in "x" }, number, alerts: alerts), library: RunbookLibrary()))
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

func detail(_ part: (Int) -> String, _ number: (Int) -> Int64, alerts count: Int) -> IncidentDetail {
    func time(_ i: Int) -> Timestamp { Timestamp(nanoseconds: number(i)) }
    func optionalTime(_ i: Int) -> Timestamp? { number(i) % 3 == 0 ? nil : time(i) }
    let head = IncidentHead(
        id: 7, correlationKey: "k", receiver: part(0), title: part(1), labels: labels([(part(2), part(3))]), severity: .sev2,
        milestones: .init(status: .closed, acknowledgedAt: optionalTime(1), mitigatedAt: optionalTime(2),
                          resolvedAt: optionalTime(3), closedAt: time(4)),
        openedAt: time(5))
    let alerts = (0..<count).map { n in
        AlertRecord(
            fingerprint: part(33 + n), status: number(6 + n) % 2 == 0 ? .resolved : .firing,
            labels: labels([("alertname", part(4 + n)), (part(5 + n), part(6 + n))]),
            annotations: labels([("summary", part(7 + n)), ("description", part(8 + n)), ("runbook_url", part(9 + n))]),
            startsAt: time(10 + n), endsAt: optionalTime(14 + n), generatorURL: part(10 + n), firstSeenAt: time(18 + n),
            lastSeenAt: time(22 + n))
    }
    let kinds = ["incident_opened", "note", "status_changed", "role_assigned", "severity_changed", "note"]
    let timeline = kinds.enumerated().map { i, kind in
        TimelineEntry(id: Int64(i), at: time(26 + i), kind: kind, actor: part(11 + i), text: part(17 + i),
                      data: labels([("summary", part(23 + i)), ("to", part(24 + i))]))
    }
    let roles = [RoleAssignment(id: 1, role: "commander", user: ChatUser(id: part(30), name: part(31)),
                                from: time(32), to: optionalTime(33), assignedBy: part(32))]
    return IncidentDetail(summary: IncidentSummary(head: head, alertCount: alerts.count, firingAlertCount: 0), alerts: alerts,
                          timeline: timeline, roles: roles)
}

/// Fuzzed keys may collide; a dictionary literal would trap on that (a harness bug, not a finding).
func labels(_ pairs: [(String, String)]) -> [String: String] {
    Dictionary(pairs, uniquingKeysWith: { first, _ in first })
}
