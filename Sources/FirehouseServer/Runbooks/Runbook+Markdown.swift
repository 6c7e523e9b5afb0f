import FirehouseCore

extension Runbook {
    /// The runbook as a Markdown document with its front matter, which `RunbookLoader.parse` reads
    /// back as the same runbook: every value is double-quoted, so a title like `Kafka: broker down`
    /// or one with a line break stays one value.
    var markdown: String {
        var text = "---\nid: \(YAMLText.quoted(id))\ntitle: \(YAMLText.quoted(title))\nmatchers:\n"
        for matcher in matchers { text += "  - \(YAMLText.quoted(matcher.description))\n" }
        if let severity { text += "severity: \(YAMLText.quoted(severity))\n" }
        if let owner { text += "owner: \(YAMLText.quoted(owner))\n" }
        return text + "---\n" + body
    }
}
