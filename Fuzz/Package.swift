// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the parsers and encoders that take outside input. Not part of the main
// package or its test run: `Fuzz/run [SECONDS_PER_TARGET]` builds this package with
// `-sanitize=fuzzer` and runs every target. The sources under test are the main package's own
// files, reached through symlinks in Sources/ (Domain, MIME, and single files such as
// CSVReader.swift), so no main-package target has to export anything for fuzzing.

let package = Package(
    name: "itsm-fuzz",
    dependencies: [
        // The version the main package resolved, so the token code builds against the same Crypto.
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Sources/FuzzSupport"),
        .target(name: "Domain", path: "Sources/Domain"),  // -> Modules/Domain
        .target(name: "MIME", dependencies: ["Domain"], path: "Sources/MIME"),  // -> Modules/Notifications/MIME

        .executableTarget(name: "fuzz-mime", dependencies: ["MIME", "Domain", "FuzzSupport"], path: "Sources/fuzz-mime"),
        .executableTarget(name: "fuzz-address", dependencies: ["MIME", "Domain", "FuzzSupport"], path: "Sources/fuzz-address"),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzSupport"], path: "Sources/fuzz-csv"),
        .executableTarget(
            name: "fuzz-token",
            dependencies: ["Domain", "FuzzSupport", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/fuzz-token"
        ),
        .executableTarget(name: "fuzz-schedule", dependencies: ["Domain", "FuzzSupport"], path: "Sources/fuzz-schedule"),
        .executableTarget(name: "fuzz-form", dependencies: ["FuzzSupport"], path: "Sources/fuzz-form"),
    ]
)
