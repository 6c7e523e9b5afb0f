import FirehouseCore
import FirehouseService
import Foundation
import Mustache

/// Renders post-mortem drafts: the built-in Markdown, or the operator's Mustache template
/// (`postmortem.template`). Both render the same model (`PostmortemModel`; a template sees it as a
/// `TemplateView`), so a field added to the model is in both.
public struct PostmortemDrafts: Sendable {
    private(set) var template: MustacheTemplate?
    let runbooks: RunbookShelf
    let links: ExternalURL
    /// The configured lead role (`chat.roles`' first), whose gaps the draft measures.
    let leadRole: String

    /// The built-in draft.
    public init(runbooks: RunbookShelf, links: ExternalURL, roles: RoleCatalog = .default) {
        template = nil
        self.runbooks = runbooks
        self.links = links
        self.leadRole = roles.lead
    }

    /// Loads the template file if one is configured; a broken template is a startup error.
    public init(templatePath: String, runbooks: RunbookShelf, links: ExternalURL, roles: RoleCatalog = .default) throws {
        self.init(runbooks: runbooks, links: links, roles: roles)
        if !templatePath.isEmpty {
            guard let data = FileManager.default.contents(atPath: templatePath), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(path: "postmortem.template", message: "cannot read \(templatePath)")
            }
            template = try Self.compile(text)
        }
    }

    /// `{{x}}` escapes for Markdown; `{{{x}}}` inserts raw text.
    static func compile(_ text: String) throws -> MustacheTemplate {
        MustacheContentTypes.register(MarkdownContentType(), named: "MARKDOWN")
        do {
            return try MustacheTemplate(string: "{{% CONTENT_TYPE:MARKDOWN}}" + text)
        } catch {
            throw ConfigError(path: "postmortem.template", message: "not a valid Mustache template: \(error)")
        }
    }

    public func model(_ detail: IncidentDetail, budgets: [ErrorBudget.Report] = []) -> PostmortemModel {
        PostmortemBuilder.build(detail, library: runbooks.library, incidentURL: links.incidentPage(detail.summary.head.id),
                                leadRole: leadRole, budgets: budgets)
    }

    public func render(_ detail: IncidentDetail, budgets: [ErrorBudget.Report] = []) -> String {
        let model = model(detail, budgets: budgets)
        guard let template else { return PostmortemRenderer.render(model) }
        return template.render(TemplateView(value: model))
    }

    public var drafter: PostmortemDrafter { { detail, budgets in render(detail, budgets: budgets) } }

    public func postmortemLink(_ id: Int64) -> String {
        links.postmortemOrPath(id)
    }
}

struct MarkdownContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { MarkdownText.inline(text) }
}
