import FirehouseCore
import Mustache

/// The web view's Mustache templates, compiled once at start-up. Mustache escapes every `{{value}}`
/// for HTML text and attributes; the only raw insertions (`{{{...}}}`) are the page body inside
/// the layout and fields named `html` or `...Chart`, which Firehouse itself rendered safely.
struct WebTemplates: Sendable {
    let library: MustacheLibrary

    init() throws {
        MustacheContentTypes.register(ScalarHTML(), named: ScalarHTML.name)
        var library = MustacheLibrary()
        for (name, text) in Self.sources { try library.register("{{% CONTENT_TYPE:\(ScalarHTML.name)}}" + text, named: name) }
        self.library = library
    }

    /// Every `{{value}}` escaped by `HTMLText.escape`, which works on Unicode scalars. Mustache's own
    /// HTML escaping compares `Character`s: `"` or `<` with a combining mark after it (or a prepended
    /// U+0600 before it) is one `Character` that is not `"` or `<`, and went out raw, able to end an
    /// attribute or open a tag.
    struct ScalarHTML: MustacheContentType {
        static let name = "FIREHOUSE_HTML"
        func escapeText(_ text: String) -> String { HTMLText.escape(text) }
    }

    /// A page inside the layout; a template that is missing is a bug, answered 500 rather than a blank page.
    func render(_ page: String, _ model: Any, layout: WebPages.Layout) throws -> String {
        var layout = layout
        guard let body = library.render(model, withTemplate: page) else { throw APIError(.internalServerError, "no template \(page)") }
        layout.body = body
        guard let html = library.render(layout, withTemplate: "layout") else { throw APIError(.internalServerError, "no layout template") }
        return html
    }

    static let sources: [String: String] = [
        "layout": layout, "incidents": incidents, "incident": incident, "postmortem": postmortem, "runbooks": runbooks,
        "runbook": runbook, "stats": stats, "login": login, "error": error,
    ]

    static let layout = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Firehouse</title>
    <link rel="icon" href="/ui/static/favicon.svg?v={{assetVersion}}" type="image/svg+xml">
    <link rel="stylesheet" href="/ui/static/app.css?v={{assetVersion}}">
    <script src="/ui/static/app.js?v={{assetVersion}}" defer></script>
    </head>
    <body{{#poll}} data-poll="{{poll}}" data-version="{{pollVersion}}" data-poll-seconds="{{pollSeconds}}"{{/poll}}>
    <header class="top">
    <a class="brand" href="/ui/incidents">Firehouse</a>
    <nav aria-label="Main">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
    {{#user}}<div class="who"><span>Signed in as <strong>{{user}}</strong></span>{{#canLogout}}
    <form class="inline" method="post" action="/ui/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/canLogout}}</div>{{/user}}
    </header>
    <main id="main">
    <p id="live" class="notice live" role="status" hidden>This page has changed since it was loaded. <a href="">Reload</a> to see the latest.</p>
    {{{body}}}
    </main>
    </body>
    </html>

    """

    static let incidents = """
    <h1>{{heading}}</h1>
    <ul class="counts" aria-label="Filter by status">
    {{#filters}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}} <span class="muted">{{count}}</span></a></li>
    {{/filters}}</ul>
    {{^empty(rows)}}
    <div class="table"><table class="incidents">
    <thead><tr><th scope="col">Ref</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Title</th><th scope="col" class="wide">Service</th><th scope="col" class="wide">Commander</th><th scope="col">Opened</th><th scope="col" class="wide">Firing / total</th><th scope="col" class="wide">Reopens</th></tr></thead>
    <tbody>
    {{/empty(rows)}}
    {{#rows}}<tr data-ref="{{ref}}"><td class="ref"><a href="{{href}}">{{ref}}</a></td><td><span class="sev sev-{{severity.level}}">{{severity.name}}</span></td><td class="status">{{status}}</td><td class="title">{{#drill}}<span class="drill">DRILL</span> {{/drill}}{{title}}</td><td class="wide">{{service}}</td><td class="wide">{{commander}}</td><td><time datetime="{{opened.iso}}" title="{{opened.exact}}">{{opened.relative}}</time></td><td class="wide">{{firing}} / {{total}}</td><td class="wide">{{reopens}}</td></tr>
    {{/rows}}
    {{^empty(rows)}}
    </tbody></table></div>
    {{/empty(rows)}}
    {{^rows}}<p class="muted">No incidents here.</p>{{/rows}}
    {{#next}}<p class="pager"><a href="{{next}}">Older incidents</a></p>{{/next}}

    """

    static let incident = """
    <p class="muted"><a href="/ui/incidents">Incidents</a> › {{ref}}</p>
    <h1><span class="sev sev-{{severity.level}}">{{severity.name}}</span> {{#drill}}<span class="drill">DRILL</span> {{/drill}}{{ref}}: <span id="incident-title">{{title}}</span></h1>
    {{#drill}}<p class="notice">A drill (game day): left out of statistics and error budgets; its post-mortem is a game-day report.</p>{{/drill}}
    {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    {{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
    <dl class="facts">
    <dt>Status</dt><dd class="status" id="incident-status">{{status}}</dd>
    {{#facts}}<dt>{{name}}</dt><dd>{{value}}{{#detail}} <span class="muted">({{detail}})</span>{{/detail}}</dd>
    {{/facts}}</dl>
    {{#forms}}
    <h2>Actions</h2>
    <div class="actions">
    {{^empty(moves)}}<form class="moves" method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="move">
    <div><label for="move-summary">Summary (optional)</label><input type="text" id="move-summary" name="summary" maxlength="500"></div>
    {{/empty(moves)}}{{#moves}}<button type="submit" name="move" value="{{value}}">{{label}}</button>{{/moves}}{{^empty(moves)}}</form>{{/empty(moves)}}
    <form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="severity">
    <label for="severity">Severity</label><select id="severity" name="severity">{{#severities}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severities}}</select>
    <button type="submit">Set severity</button></form>
    <form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="assign">
    <label for="assign-role">Role</label><select id="assign-role" name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select>
    <label for="assign-user">Person</label><input type="text" id="assign-user" name="user" required maxlength="100" placeholder="@name">
    <button type="submit">Assign</button></form>
    {{^empty(assigned)}}<form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="unassign">
    <label for="unassign-role">Role</label><select id="unassign-role" name="role">{{/empty(assigned)}}{{#assigned}}<option value="{{value}}">{{label}}</option>{{/assigned}}{{^empty(assigned)}}</select>
    <button type="submit">Unassign</button></form>{{/empty(assigned)}}
    <form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="note">
    <label for="note">Note for the timeline</label><textarea id="note" name="text" rows="2" required maxlength="2000"></textarea>
    <button type="submit">Add note</button></form>
    {{#silenceAction}}<form method="post" action="{{silenceAction}}"><input type="hidden" name="csrf" value="{{csrf}}">
    <label for="silence-duration">Silence its alerts for</label><input type="text" id="silence-duration" name="duration" value="2h" required maxlength="20">
    <label for="silence-comment">Comment (optional)</label><input type="text" id="silence-comment" name="comment" maxlength="500">
    <button type="submit">Silence</button></form>{{/silenceAction}}
    </div>
    {{/forms}}
    <h2>Roles</h2>
    {{^empty(currentRoles)}}<ul>{{/empty(currentRoles)}}{{#currentRoles}}<li><strong>{{role}}</strong>: {{user}} <span class="muted">since <time datetime="{{from.iso}}" title="{{from.exact}}">{{from.relative}}</time></span></li>{{/currentRoles}}{{^empty(currentRoles)}}</ul>{{/empty(currentRoles)}}
    {{^currentRoles}}<p class="muted">Nobody holds a role.</p>{{/currentRoles}}
    {{^empty(roleHistory)}}<details><summary>Handover history</summary><div class="table"><table>
    <thead><tr><th scope="col">Role</th><th scope="col">Person</th><th scope="col">From</th><th scope="col">To</th><th scope="col">By</th></tr></thead><tbody>
    {{/empty(roleHistory)}}{{#roleHistory}}<tr><td>{{role}}</td><td>{{user}}</td><td><time datetime="{{from.iso}}">{{from.exact}}</time></td><td>{{#to}}<time datetime="{{to.iso}}">{{to.exact}}</time>{{/to}}{{^to}}now{{/to}}</td><td>{{assignedBy}}</td></tr>
    {{/roleHistory}}{{^empty(roleHistory)}}</tbody></table></div></details>{{/empty(roleHistory)}}
    <h2>Alerts</h2>
    <div class="table"><table>
    <thead><tr><th scope="col">State</th><th scope="col">Alert</th><th scope="col">Labels</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Links</th></tr></thead>
    <tbody>
    {{#alerts}}<tr><td class="status">{{status}}</td><td><strong>{{alertname}}</strong>{{#summary}}<br><span class="muted">{{summary}}</span>{{/summary}}</td><td><ul class="labels">{{#labels}}<li>{{.}}</li>{{/labels}}</ul></td><td><time datetime="{{startsAt.iso}}" title="{{startsAt.exact}}">{{startsAt.relative}}</time></td><td>{{#endsAt}}<time datetime="{{endsAt.iso}}" title="{{endsAt.exact}}">{{endsAt.relative}}</time>{{/endsAt}}</td><td>{{#source}}<a href="{{source}}" rel="noopener noreferrer">source</a> {{/source}}{{#silenceLink}}<a href="{{silenceLink}}" rel="noopener noreferrer">silence in Alertmanager</a>{{/silenceLink}}</td></tr>
    {{/alerts}}
    </tbody></table></div>
    {{^alerts}}<p class="muted">No alerts (declared by hand).</p>{{/alerts}}
    {{^empty(silences)}}<h2>Active silences</h2><ul>{{/empty(silences)}}{{#silences}}<li><code>{{id}}</code>: {{matchers}}, until <time datetime="{{endsAt.iso}}" title="{{endsAt.exact}}">{{endsAt.relative}}</time> <span class="muted">by {{createdBy}}</span></li>{{/silences}}{{^empty(silences)}}</ul>{{/empty(silences)}}
    <h2>Runbook</h2>
    {{#runbook}}<p><a href="{{href}}">{{title}}</a> <span class="muted">({{id}})</span></p><details open><summary>Steps</summary><div class="doc">{{{html}}}</div></details>{{/runbook}}
    {{^runbook}}<p class="muted">No runbook matches this incident's alerts.</p>{{/runbook}}
    {{^empty(otherRunbooks)}}<p>Also matching:</p><ul>{{/empty(otherRunbooks)}}{{#otherRunbooks}}<li><a href="{{href}}">{{label}}</a></li>{{/otherRunbooks}}{{^empty(otherRunbooks)}}</ul>{{/empty(otherRunbooks)}}
    {{^empty(runbookLinks)}}<p>Runbook links from alerts:</p><ul>{{/empty(runbookLinks)}}{{#runbookLinks}}<li><a href="{{href}}" rel="noopener noreferrer">{{label}}</a></li>{{/runbookLinks}}{{^empty(runbookLinks)}}</ul>{{/empty(runbookLinks)}}
    <h2>Timeline</h2>
    <ol class="timeline" id="timeline">
    {{#timeline}}<li><time datetime="{{at.iso}}" title="{{at.relative}}">{{at.exact}}</time> <span class="kind">{{kind}}</span> <span class="muted">{{actor}}</span><br>{{text}}{{^empty(data)}}<details><summary>data</summary><ul>{{/empty(data)}}{{#data}}<li><code>{{.}}</code></li>{{/data}}{{^empty(data)}}</ul></details>{{/empty(data)}}</li>
    {{/timeline}}</ol>
    {{^empty(postmortems)}}<h2>Post-mortem</h2><ul>{{/empty(postmortems)}}{{#postmortems}}<li><a href="{{href}}">{{label}}</a></li>{{/postmortems}}{{^empty(postmortems)}}</ul>{{/empty(postmortems)}}

    """

    static let postmortem = """
    <p class="muted"><a href="/ui/incidents">Incidents</a> › <a href="{{incidentHref}}">{{ref}}</a> › post-mortem</p>
    <p class="muted">Draft version {{version}}, written <time datetime="{{generated.iso}}" title="{{generated.relative}}">{{generated.exact}}</time>.
    <a href="/api/v1/incidents/{{id}}/postmortem?version={{version}}">Markdown</a></p>
    {{^empty(versions)}}<nav aria-label="Versions"><ul class="counts">{{/empty(versions)}}{{#versions}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/versions}}{{^empty(versions)}}</ul></nav>{{/empty(versions)}}
    <article class="doc">{{{html}}}</article>

    """

    static let runbooks = """
    <h1>Runbooks</h1>
    {{^empty(rows)}}<div class="table"><table>
    <thead><tr><th scope="col">Runbook</th><th scope="col">Matches</th><th scope="col" class="wide">Severity</th><th scope="col" class="wide">Owner</th></tr></thead><tbody>
    {{/empty(rows)}}{{#rows}}<tr><td><a href="{{href}}">{{title}}</a><br><span class="muted">{{id}}</span></td><td><code>{{matchers}}</code></td><td class="wide">{{severity}}</td><td class="wide">{{owner}}</td></tr>
    {{/rows}}{{^empty(rows)}}</tbody></table></div>{{/empty(rows)}}
    {{^rows}}<p class="muted">No runbooks are loaded.</p>{{/rows}}

    """

    static let runbook = """
    <p class="muted"><a href="/ui/runbooks">Runbooks</a> › {{id}}</p>
    <h1>{{title}}</h1>
    <dl class="facts"><dt>Matches</dt><dd><code>{{matchers}}</code></dd>{{#severity}}<dt>Severity</dt><dd>{{severity}}</dd>{{/severity}}{{#owner}}<dt>Owner</dt><dd>{{owner}}</dd>{{/owner}}</dl>
    <article class="doc">{{{html}}}</article>

    """

    static let stats = """
    <h1>Stats</h1>
    <form method="get" action="/ui/stats" class="actions">
    <div><label for="since">Since</label><input type="text" id="since" name="since" value="{{since}}" placeholder="YYYY-MM-DD"></div>
    <div><label for="until">Until</label><input type="text" id="until" name="until" value="{{until}}" placeholder="YYYY-MM-DD"></div>
    <div><label for="service">Service</label><input type="text" id="service" name="service" value="{{service}}"><button type="submit">Show</button></div>
    </form>
    <p>{{total}} incidents opened from {{since}} to {{until}}{{#service}} touching {{service}}{{/service}}.</p>
    <div class="charts">
    <figure><figcaption>Incidents per day</figcaption>{{{perDayChart}}}</figure>
    <figure><figcaption>Time to resolve</figcaption>{{{resolveChart}}}</figure>
    </div>
    <h2>Response times</h2>
    <div class="table"><table><thead><tr><th scope="col">Measure</th><th scope="col">Incidents</th><th scope="col">Mean</th><th scope="col">p50</th><th scope="col">p90</th></tr></thead><tbody>
    {{#times}}<tr><td>{{name}}</td><td>{{count}}</td><td>{{mean}}</td><td>{{p50}}</td><td>{{p90}}</td></tr>
    {{/times}}</tbody></table></div>
    <h2>By severity</h2>
    <div class="table"><table><thead><tr><th scope="col">Severity</th><th scope="col">Incidents</th></tr></thead><tbody>
    {{#severities}}<tr><td>{{name}}</td><td>{{count}}</td></tr>
    {{/severities}}</tbody></table></div>
    <h2>By status</h2>
    <div class="table"><table><thead><tr><th scope="col">Status</th><th scope="col">Incidents</th></tr></thead><tbody>
    {{#statuses}}<tr><td>{{name}}</td><td>{{count}}</td></tr>
    {{/statuses}}</tbody></table></div>
    <h2>By service</h2>
    {{^empty(services)}}<div class="table"><table><thead><tr><th scope="col">Service</th><th scope="col">Incidents</th><th scope="col">Downtime</th><th scope="col">MTBF</th><th scope="col">MTTR</th><th scope="col">Availability</th></tr></thead><tbody>
    {{/empty(services)}}{{#services}}<tr><td>{{name}}</td><td>{{count}}</td><td>{{downtime}}</td><td>{{mtbf}}</td><td>{{mttr}}</td><td>{{availability}}</td></tr>
    {{/services}}{{^empty(services)}}</tbody></table></div>
    <p class="muted">Downtime: the union of the service's incidents from opening to mitigation (or resolution); MTBF = uptime / incidents, MTTR = downtime / incidents, availability = uptime / window.</p>{{/empty(services)}}
    {{^services}}<p class="muted">No incident named a service.</p>{{/services}}
    {{^empty(budgets)}}<h2>Error budgets (now)</h2>
    <div class="table"><table><thead><tr><th scope="col">Service</th><th scope="col">Objective</th><th scope="col">Used</th><th scope="col">Remaining</th><th scope="col">Burn rate (1h)</th><th scope="col">Availability</th></tr></thead><tbody>
    {{/empty(budgets)}}{{#budgets}}<tr><td>{{service}}</td><td>{{objective}}</td><td>{{used}}</td><td{{#overspent}} class="overspent"{{/overspent}}>{{remaining}}</td><td>{{burnRate}}</td><td>{{availability}}</td></tr>
    {{/budgets}}{{^empty(budgets)}}</tbody></table></div>{{/empty(budgets)}}
    <h2>Noisiest alerts</h2>
    {{^empty(noisy)}}<div class="table"><table><thead><tr><th scope="col">Alert</th><th scope="col">Incidents</th><th scope="col">Flaps</th></tr></thead><tbody>
    {{/empty(noisy)}}{{#noisy}}<tr><td>{{name}}</td><td>{{count}}</td><td>{{detail}}</td></tr>
    {{/noisy}}{{^empty(noisy)}}</tbody></table></div>{{/empty(noisy)}}
    {{^noisy}}<p class="muted">None.</p>{{/noisy}}

    """

    static let login = """
    <div class="login">
    <h1>Sign in</h1>
    {{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
    <p>Sign in with a Firehouse API token (ask whoever runs Firehouse for one). It is checked once and kept out of the page: the browser gets a session cookie instead.</p>
    <form method="post" action="/ui/login">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="next" value="{{next}}">
    <label for="token">API token</label>
    <input type="password" id="token" name="token" required autocomplete="current-password">
    <button type="submit">Sign in</button>
    </form>
    </div>

    """

    static let error = """
    <h1>{{status}}</h1>
    <p class="notice error" role="alert">{{message}}</p>
    {{#signIn}}<p><a href="{{signIn}}">Sign in</a></p>{{/signIn}}
    <p><a href="/ui/incidents">Back to the incidents</a></p>

    """
}
