import FirehouseCore

extension PostmortemModel {
    /// The model as Mustache sees it. Times are `YYYY-MM-DD HH:MM:SS` UTC strings, durations like
    /// `1h2m3s` (empty when unknown), lists are arrays of objects. Documented in the README.
    public var templateData: [String: Any] {
        func time(_ t: Timestamp?) -> String { t.map(PostmortemRenderer.time) ?? "" }
        func span(_ s: TimeSpan?) -> String { s.map(PostmortemRenderer.span) ?? "" }
        var data: [String: Any] = [
            "ref": ref, "id": id, "title": title, "status": status, "severity": severity, "date": date,
            "authors": authors, "summary": summary,
            "links": links.map { ["name": $0.name, "url": $0.url] },
            "impact": [
                "start": time(impact.start), "detected": time(impact.detected), "end": time(impact.end),
                "duration": span(impact.duration), "services": impact.services, "namespaces": impact.namespaces,
                "alertnames": impact.alertnames, "peakFiringAlerts": impact.peakFiringAlerts,
            ] as [String: Any],
            "metrics": [
                "timeToDetect": span(metrics.timeToDetect), "timeToAcknowledge": span(metrics.timeToAcknowledge),
                "timeToMitigate": span(metrics.timeToMitigate), "timeToResolve": span(metrics.timeToResolve),
                "timeToClose": span(metrics.timeToClose), "alertCount": metrics.alertCount,
                "reopenCount": metrics.reopenCount, "severityChanges": metrics.severityChanges,
                "timeWithoutCommander": span(metrics.timeWithoutCommander),
            ] as [String: Any],
            "roles": roles.map { role in
                ["role": role.role, "holders": role.holders.map {
                    ["user": $0.user, "from": time($0.from), "to": time($0.to), "duration": span($0.duration)]
                }] as [String: Any]
            },
            "timeline": timeline.map { ["time": time($0.at), "until": time($0.until), "event": $0.event, "actor": $0.actor] },
            "relatedRunbooks": relatedRunbooks.map(Self.runbookData),
            "actionItems": actionItems.map { ["text": $0.text, "author": $0.author, "time": time($0.at)] },
            "alerts": alerts.map { alert in
                [
                    "alertname": alert.alertname, "fingerprint": alert.fingerprint, "status": alert.status,
                    "startsAt": time(alert.startsAt), "endsAt": time(alert.endsAt), "generatorURL": alert.generatorURL,
                    "labels": alert.labels.map { ["name": $0.name, "value": $0.value] },
                    "annotations": alert.annotations.map { ["name": $0.name, "value": $0.value] },
                ] as [String: Any]
            },
        ]
        if let runbook { data["runbook"] = Self.runbookData(runbook) }
        return data
    }

    static func runbookData(_ r: RunbookInfo) -> [String: Any] {
        ["id": r.id, "title": r.title, "path": r.path, "attachedAt": r.attachedAt.map(PostmortemRenderer.time) ?? ""]
    }
}
