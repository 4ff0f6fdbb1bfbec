import ArgumentParser
import Domain
import Foundation
import Hummingbird
import ITSMConfig
import Logging
import Metrics
import Notifications
import Prometheus
import Scheduling
import ServiceLifecycle
import Storage
import SubscriptionPages

@main
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "itsm-scheduler",
        abstract: "The ITSM daemon: digest schedules, mail delivery and the subscription link pages.",
        discussion: """
        Reads ITSM_* environment variables (overridden by --config FILE), opens the database
        (default sqlite:./var/itsm.sqlite), applies migrations, and runs until SIGTERM or SIGINT.
        """,
        version: "0.1.0"
    )

    @Option(name: .long, help: "A JSON config file; its values override the environment.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "itsm-scheduler")
        // Before any metric is created, so every counter reports to this registry.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        try Libcurl.initialise()  // Before any thread that might send mail starts.

        let configuration: ITSMConfiguration
        do {
            configuration = try await ITSMConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config)
        } catch {
            logger.critical("configuration error: \(error)")
            throw ExitCode.failure
        }

        let secretKey: String
        if let configured = configuration.secretKey {
            secretKey = configured
        } else {
            let (key, created) = try SecretKeyFile.loadOrCreate(in: configuration.stateDirectory)
            if created {
                logger.notice("no ITSM_SECRET_KEY set: created a new link-signing key", metadata: ["file": .string(SecretKeyFile.path(in: configuration.stateDirectory))])
            }
            secretKey = key
        }

        // One scheduler per SQLite file; PostgreSQL takes any number (runs and mail are claimed row by row).
        var instanceLock: InstanceLock?
        if case let .sqlite(path) = configuration.database {
            do {
                instanceLock = try InstanceLock.acquire(forSQLiteAt: path)
            } catch {
                logger.critical("\(error)")
                throw ExitCode.failure
            }
        }

        // A taken port is one clear line before anything starts, not a socket error after "started".
        if let problem = HTTPBindCheck.problem(host: configuration.httpBind.host, port: configuration.httpBind.port) {
            logger.critical("cannot listen for the link pages: \(problem)")
            throw ExitCode.failure
        }

        // The daemon's clock. End-to-end tests shift it (ITSM_TESTING_CLOCK_OFFSET_SECONDS) so a
        // schedule falls due without waiting for the wall clock; it is never set in production.
        let clock: @Sendable () -> Instant
        if let raw = ProcessInfo.processInfo.environment["ITSM_TESTING_CLOCK_OFFSET_SECONDS"], let offset = Int64(raw) {
            logger.warning("testing clock: the daemon's time is shifted", metadata: ["offset_seconds": "\(offset)"])
            clock = { Instant(Date()) + .seconds(offset) }
        } else {
            clock = { Instant(Date()) }
        }

        let store: Store
        do {
            store = try await Bootstrap.openStore(configuration, logger: logger)
        } catch {
            logger.critical("cannot open the database: \(DatabaseErrorText.describe(error))", metadata: ["database": .string(configuration.database.description)])
            throw ExitCode.failure
        }

        let transport: any MailTransport
        let mail: String
        switch configuration.mail {
        case let .smtp(url, options):
            let settings = SMTPSettings(
                url: url, requireTLS: options.requireTLS, caFile: options.caFile, username: options.username,
                password: options.password, ehloName: options.ehloName,
                connectTimeout: .seconds(options.connectTimeoutSeconds), totalTimeout: .seconds(options.totalTimeoutSeconds),
                connections: options.connections
            )
            transport = try SMTPTransport(settings: settings, logger: logger)
            mail = settings.safeDescription
        case .files(let directory):
            transport = FileTransport(directory: directory)
            mail = "files in \(directory)"
        }
        let policy = DeliveryPolicy(
            maximumAge: .hours(Int64(configuration.outbox.maximumAgeHours)),
            suppressAfterPermanentFailures: configuration.outbox.suppressAfterPermanentFailures
        )
        let delivery = OutboxDelivery(
            outbox: store.outbox, transport: transport, policy: policy, workerName: Self.workerName(), now: clock,
            logger: logger
        )
        let subscriptionOptions = configuration.subscriptions
        let subscriptions = try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: secretKey), publicBaseURL: configuration.publicURL,
            policy: SubscriptionPolicy(
                confirmLinkLifetime: .seconds(Int64(subscriptionOptions.confirmLinkHours) * 3600),
                confirmationInterval: .seconds(Int64(subscriptionOptions.resendMinutes) * 60)),
            now: clock, logger: logger
        )
        let pageOptions = SubscriptionPagesOptions(
            trustedProxies: subscriptionOptions.trustedProxies,
            subscribeLimit: SubscribeRateLimit(
                requests: subscriptionOptions.subscribeLimit, window: .seconds(Int64(subscriptionOptions.subscribeWindowMinutes) * 60))
        )
        let router = SubscriptionPages(service: subscriptions, options: pageOptions).router()
        if configuration.scheduler.metricsEnabled {
            router.get("/metrics") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        let runner = DigestRunner(
            store: store, subscriptions: subscriptions,
            planner: DigestPlanner(catchUp: configuration.scheduler.catchUp == .latest ? .latest : .all),
            worker: Self.workerName(), now: clock, logger: logger)
        let pages = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpBind.host, port: configuration.httpBind.port), serverName: "itsm"),
            logger: logger
        )
        let startedMetadata: Logger.Metadata = [
            "database": .string(configuration.database.description), "mail": .string(mail),
            "public_url": .string(configuration.publicURL.absoluteString), "libcurl": .string(Libcurl.versionInfo.version),
            "http": .string(configuration.httpBind.description),
        ]

        // Graceful shutdown runs in reverse order: the pages stop first, delivery last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: StartAnnouncement { logger.info("itsm-scheduler started", metadata: startedMetadata) },
                    successTerminationBehavior: .gracefullyShutdownGroup
                ),
                .init(service: OutboxService(worker: OutboxWorker(delivery: delivery), transport: transport)),
                // Stops between fan-out batches, before delivery stops: what it enqueued still goes out.
                .init(service: ScheduleService(
                    runner: runner, interval: .seconds(Int64(configuration.scheduler.tickSeconds)), logger: logger)),
                // The link pages stop first: no new subscriptions while delivery winds down.
                .init(service: pages),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // Past the limit the services still running are cancelled: nothing (a client that never
        // finishes its request, a hung database) can hold a stop for good.
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit(for: configuration.mail)
        // The database closes once every service has ended, however the group ended (a cancelled
        // service may still be finishing a query when the others are done).
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await store.database.close()
            throw error
        }
        try await store.database.close()
        logger.info("itsm-scheduler stopped")
        withExtendedLifetime(instanceLock) {}
    }
}

extension SchedulerCommand {
    /// Time a graceful stop has beyond the SMTP transfers in flight: to record their outcomes, let the
    /// schedule loop finish its batch and close the database.
    static let shutdownMargin = Duration.seconds(15)

    /// How long a graceful stop may take in all: the SMTP transfer timeout (a transfer in flight
    /// finishes within it) plus `shutdownMargin`. 75 s with the default 60 s transfer timeout.
    static func gracefulShutdownLimit(for mail: ITSMConfiguration.MailDelivery) -> Duration {
        switch mail {
        case let .smtp(_, options): .seconds(Int64(options.totalTimeoutSeconds)) + shutdownMargin
        case .files: shutdownMargin
        }
    }

    /// Names this process's outbox claims: host and process id.
    static func workerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// Delivers the outbox until shutdown; in-flight transfers finish before the transport closes.
struct OutboxService: ServiceLifecycle.Service {
    let worker: OutboxWorker
    let transport: any MailTransport

    func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await worker.run() }
        } onGracefulShutdown: {
            // Claimed mail not yet on a connection fails as transient and goes back to the queue,
            // so a stop waits only for the transfers in flight (each bounded by the SMTP timeout).
            transport.stopAccepting()
            // A round whose sent mail cannot be recorded (the database full or gone) gives up soon.
            worker.delivery.stop()
        }
        await transport.shutdown()
    }
}

/// Says the daemon has started once the service group runs, so its signal handlers are in place
/// (a SIGTERM after the "started" line is always a graceful shutdown); then waits for the stop.
struct StartAnnouncement: ServiceLifecycle.Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        announce()
        try? await gracefulShutdown()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
