// swift-tools-version:6.0
import PackageDescription

// One place that lists every module, where it lives and what it depends on.
// Data walks one way: Domain <- Storage <- Reporting/Notifications <- Apps.

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "itsm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "itsm", targets: ["itsm"]),
        .executable(name: "itsm-scheduler", targets: ["itsm-scheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Libraries
        .target(name: "Domain", path: "Modules/Domain", swiftSettings: strict),
        .target(
            name: "Storage",
            dependencies: [
                "Domain",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Modules/Storage",
            swiftSettings: strict
        ),
        .target(
            name: "Reporting",
            dependencies: [
                "Domain", "Storage",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Modules/Reporting",
            swiftSettings: strict
        ),
        .target(
            name: "Scheduling",
            dependencies: [
                "Domain", "Storage", "Reporting", "Notifications", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Modules/Scheduling",
            swiftSettings: strict
        ),
        .target(
            name: "Demo",
            dependencies: ["Domain", "Storage", "Notifications", .product(name: "SQLKit", package: "sql-kit")],
            path: "Modules/Demo",
            swiftSettings: strict
        ),
        .target(
            name: "Notifications",
            dependencies: [
                "Domain", "Storage", "CCurlShim", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Modules/Notifications",
            swiftSettings: strict
        ),
        .target(
            name: "ITSMConfig",
            dependencies: [
                "Domain", "Storage",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Modules/ITSMConfig",
            swiftSettings: strict
        ),
        // The subscription link pages (subscribe, confirm, unsubscribe) over HTTP.
        .target(
            name: "SubscriptionPages",
            dependencies: ["Notifications", "Storage", "Domain", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Modules/SubscriptionPages",
            swiftSettings: strict
        ),
        // MARK: C: libcurl and a non-variadic setopt shim (Swift cannot call variadic C).
        .systemLibrary(
            name: "CCurl",
            path: "Modules/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Modules/CCurlShim"),

        // MARK: Apps
        .executableTarget(
            name: "itsm",
            dependencies: [
                "Domain", "Storage", "Reporting", "Notifications", "ITSMConfig", "Scheduling", "Demo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Apps/itsm",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "itsm-scheduler",
            dependencies: [
                "Domain", "Storage", "Reporting", "Notifications", "ITSMConfig", "SubscriptionPages", "Scheduling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Apps/itsm-scheduler",
            swiftSettings: strict
        ),

        // MARK: Benchmarks (run by bench/*/run in release builds)
        .executableTarget(
            name: "itsm-bench-outbox",
            dependencies: ["Domain", "Storage", "Notifications", .product(name: "Logging", package: "swift-log")],
            path: "bench/outbox-delivery/Sources",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "itsm-bench-pages",
            dependencies: [
                "Domain", "Storage", "Notifications",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/link-pages/Sources",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "itsm-bench-digest",
            dependencies: [
                "Domain", "Storage", "Reporting",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/digest-build/Sources",
            swiftSettings: strict
        ),

        // MARK: Tests (Swift Testing), one target per module plus the apps end to end.
        .testTarget(name: "DomainTests", dependencies: ["Domain"], path: "Tests/DomainTests"),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Domain", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/StorageTests"
        ),
        .testTarget(
            name: "ReportingTests", dependencies: ["Reporting", "Domain", "Storage", "ITSMTestSupport"], path: "Tests/ReportingTests",
            exclude: ["Golden"]  // expected renderings, read by the golden-file tests via #filePath
        ),
        // What more than one test target needs: the loopback SMTP sink, Python's MIME parser, fresh stores.
        .target(
            name: "ITSMTestSupport",
            dependencies: ["Storage", "Domain", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support",
            exclude: ["smtp_sink.py", "mime_parse.py"]  // run by the tests with Debian's python3, found via #filePath
        ),
        .testTarget(
            name: "NotificationsTests", dependencies: ["Notifications", "Storage", "Domain", "ITSMTestSupport"], path: "Tests/NotificationsTests"
        ),
        .testTarget(
            name: "SubscriptionPagesTests",
            dependencies: [
                "SubscriptionPages", "Notifications", "Storage", "Domain", "ITSMTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SubscriptionPagesTests",
            exclude: ["Support/browser_flow.py"]  // run by BrowserFlowTests with Debian's python3 and Selenium
        ),
        .testTarget(
            name: "SchedulingTests",
            dependencies: ["Scheduling", "Reporting", "Notifications", "Storage", "Domain", "ITSMTestSupport"],
            path: "Tests/SchedulingTests"
        ),
        .testTarget(
            name: "DemoTests", dependencies: ["Demo", "Reporting", "Notifications", "Storage", "Domain", "ITSMTestSupport"],
            path: "Tests/DemoTests"
        ),
        .testTarget(name: "ITSMConfigTests", dependencies: ["ITSMConfig", "Storage"], path: "Tests/ITSMConfigTests"),
        // End-to-end: runs the built `itsm` and `itsm-scheduler` binaries as child processes.
        .testTarget(name: "AppsTests", dependencies: ["ITSMTestSupport"], path: "Tests/AppsTests"),
    ]
)
