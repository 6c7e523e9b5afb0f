import FirehouseCore
import FirehousePostgres
import FirehouseService
import FirehouseStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Wires the whole service from a config: store, correlator, routes. Tests call this too.
public func buildApplication(
    config: FirehouseConfig,
    clock: any WallClock = SystemClock(),
    logger: Logger = Logger(label: "firehouse"),
    readiness: Readiness = Readiness(),
    http: any OutboundHTTP = AsyncHTTPOutbound()
) throws -> some ApplicationProtocol {
    let catalog = RunbookCatalog(directory: config.runbooks.path, logger: logger)
    catalog.reload()
    let metrics = FirehouseMetrics()
    let drafts = try PostmortemDrafts(templatePath: config.postmortem.template, runbooks: catalog.shelf,
                                      links: config.links, roles: config.chat.roles)
    let watchdog = StorageWatchdog(logger: logger)
    // Graceful shutdown runs in reverse: the server, then these from last to first, so the final
    // WAL checkpoint (or the PostgreSQL pool's close) comes after the outbox worker's last write.
    var services: [any Service] = [watchdog]
    let store: any IncidentStore
    var replica = "firehouse"
    switch try config.database.backend() {
    case .sqlite(let path):
        let sqlite = try SQLiteIncidentStore(
            options: .init(path: path, busyTimeoutSeconds: config.database.busyTimeout.seconds,
                           onCommit: { duration, count in metrics.commitDuration(duration, notifications: count) },
                           onSync: { duration in metrics.walSyncDuration(duration) },
                           onBroken: { failure in
                               readiness.markBroken()
                               watchdog.report(failure)
                           }))
        watchdog.hold(sqlite)
        services.append(StoreCheckpointService(store: sqlite, logger: logger, interval: config.database.checkpointInterval.duration))
        store = sqlite
    case .postgres(let options):
        let postgres = try PostgresIncidentStore(options: options, logger: logger)
        services.append(postgres)
        replica = options.replica
        store = postgres
    }
    let service = IncidentService(store: store, correlator: Correlator(config: config.correlationConfig), clock: clock,
                                  runbooks: catalog.shelf, drafter: drafts.drafter, routes: config.notifications.routes,
                                  observer: metrics, leases: LeasePolicy(
                                      replica: replica,
                                      // Longer than one attempt (request timeout) with its retry's wait.
                                      outbox: config.notifications.timeout * 2 + .seconds(10),
                                      rounds: config.escalation.checkInterval * 3 + .seconds(10)),
                                  slo: config.slo.policy, heartbeat: config.heartbeat.heartbeat)
    let router = buildRouter(config: config, repository: service, catalog: catalog, drafts: drafts, metrics: metrics,
                             readiness: readiness, clock: clock, http: http)
    services.append(RunbookReloadService(catalog: catalog, interval: config.runbooks.reloadInterval))
    if !config.notifications.targets.isEmpty {
        services.append(OutboxWorker(config: config.notifications, repository: service, http: http,
                                     links: config.links, clock: clock, metrics: metrics,
                                     logger: logger, buttons: ChatActionSigner(chatToken: config.chat.token),
                                     slackButtons: !config.chat.slackSigningSecret.isEmpty,
                                     slackApp: config.chat.slackBotToken.isEmpty ? nil : OutboxWorker.SlackApp(
                                         token: config.chat.slackBotToken, api: config.chat.slackAPIURL,
                                         lead: config.chat.roles.lead, runbooks: catalog.shelf,
                                         buttons: !config.chat.slackSigningSecret.isEmpty)))
    }
    if config.heartbeat.heartbeat != nil {
        services.append(HeartbeatService(repository: service, interval: config.heartbeat.checkInterval.duration, clock: clock,
                                         logger: logger))
    }
    if let policy = config.escalation.policy {
        services.append(EscalationService(repository: service, policy: policy,
                                          interval: config.escalation.checkInterval.duration, logger: logger))
    }
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(config.server.idleTimeout.nanoseconds))),
        configuration: .init(address: .hostname(config.server.listen.host, port: config.server.listen.port),
                             serverName: "firehouse"),
        services: services,
        logger: logger)
}

/// The routes, separate from the server so tests can drive them with any repository.
public func buildRouter(config: FirehouseConfig, repository: any IncidentUseCases,
                        catalog: RunbookCatalog? = nil, drafts: PostmortemDrafts? = nil,
                        metrics: FirehouseMetrics = FirehouseMetrics(), readiness: Readiness = Readiness(),
                        clock: any WallClock = SystemClock(),
                        http: any OutboundHTTP = AsyncHTTPOutbound()) -> Router<FirehouseContext> {
    buildRoutes(config: config, repository: repository, catalog: catalog, drafts: drafts, metrics: metrics,
                readiness: readiness, clock: clock, http: http).router
}

/// The web view's templates are fixed text: compiled once per process, and a failure is a bug that
/// the tests catch, not a configuration error.
let webTemplates: WebTemplates = {
    do { return try WebTemplates() } catch { fatalError("the web view's templates do not compile: \(error)") }
}()

/// Every route with the access it states; `registered` lists them (the access-control tests walk it).
func buildRoutes(config: FirehouseConfig, repository: any IncidentUseCases,
                 catalog: RunbookCatalog? = nil, drafts: PostmortemDrafts? = nil,
                 metrics: FirehouseMetrics = FirehouseMetrics(), readiness: Readiness = Readiness(),
                 clock: any WallClock = SystemClock(),
                 http: any OutboundHTTP = AsyncHTTPOutbound()) -> Routes {
    let catalog = catalog ?? RunbookCatalog(directory: config.runbooks.path, logger: Logger(label: "firehouse"))
    let drafts = drafts ?? PostmortemDrafts(runbooks: catalog.shelf, links: config.links, roles: config.chat.roles)
    let router = Router(context: FirehouseContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    if let guardHost = LoopbackHostGuard(config: config) { router.add(middleware: guardHost) }
    router.add(middleware: LogRequestsMiddleware(.debug))
    let routes = Routes(router: router, access: APIAccess(config.api.tokens), metrics: metrics)
    HealthController(repository: repository, readiness: readiness).addRoutes(to: routes)
    AlertmanagerController(repository: repository, auth: StaticCredential(config.webhook),
                           maxBodyBytes: config.server.maxBodyBytes, limits: config.webhook.limits,
                           receivers: Set(config.webhook.receivers), metrics: metrics).addRoutes(to: routes)
    IncidentController(repository: repository, runbooks: catalog.shelf).addRoutes(to: routes)
    RunbookController(catalog: catalog, repository: repository).addRoutes(to: routes)
    PostmortemController(repository: repository, drafts: drafts, maxBodyBytes: config.server.maxAPIBodyBytes).addRoutes(to: routes)
    StatsController(repository: repository, clock: clock).addRoutes(to: routes)
    SLOController(repository: repository, impactEnd: config.slo.impactEnd).addRoutes(to: routes)
    DeadLetterController(repository: repository).addRoutes(to: routes)
    MetricsController(metrics: metrics, repository: repository, auth: StaticCredential(bearer: config.metrics.bearerToken))
        .addRoutes(to: routes)
    let silences = SilenceService(repository: repository, alertmanager: AlertmanagerSilences(config: config.alertmanager, http: http),
                                  clock: clock)
    SilenceController(service: silences, repository: repository, maxBodyBytes: config.server.maxAPIBodyBytes).addRoutes(to: routes)
    let chat = ChatService(
        repository: repository, runbooks: catalog.shelf, drafts: drafts,
        parser: ChatCommandParser(roles: config.chat.roles, maxLength: config.chat.maxCommandBytes),
        replies: ChatReplies(links: config.links, dialect: config.chat.dialect), silences: silences)
    ChatController(service: chat, auth: ChatAuth(config.chat, clock: clock, replays: repository), metrics: metrics,
                   maxBodyBytes: config.server.maxAPIBodyBytes, replyDeadline: config.chat.replyDeadline.duration,
                   delayed: DelayedReplies(http: http, logger: Logger(label: "firehouse"))).addRoutes(to: routes)
    ChatActionController(service: chat, signer: ChatActionSigner(chatToken: config.chat.token),
                         auth: ChatAuth(config.chat, clock: clock, replays: repository),
                         replies: DelayedReplies(http: http, logger: Logger(label: "firehouse")), metrics: metrics,
                         maxBodyBytes: config.server.maxAPIBodyBytes, replyDeadline: config.chat.replyDeadline.duration).addRoutes(to: routes)
    if config.ui.enabled {
        WebController(repository: repository, access: WebAccess(config: config, clock: clock), templates: webTemplates,
                      runbooks: catalog.shelf, silences: silences, canSilence: !config.alertmanager.url.isEmpty, roles: config.chat.roles,
                      alertmanagerURL: config.alertmanager.url, clock: clock,
                      pollSeconds: Int(config.ui.pollInterval.nanoseconds / 1_000_000_000), maxBodyBytes: config.server.maxAPIBodyBytes,
                      metrics: metrics).addRoutes(to: routes)
    }
    return routes
}
