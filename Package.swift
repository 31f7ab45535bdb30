// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "vandine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vandine-exporter", targets: ["VandineExporter"]),
        .executable(name: "alertmanager-lite", targets: ["AlertManagerLite"]),
        .library(name: "VandineCore", targets: ["VandineCore"]),
        .library(name: "Probes", targets: ["Probes"]),
        .library(name: "AlertCore", targets: ["AlertCore"]),
        .library(name: "CurlClient", targets: ["CurlClient"]),
        .library(name: "WebServer", targets: ["WebServer"]),
    ],
    dependencies: [
        // No traits: ConfigurationSupport (swift-configuration) is unused, and FullFoundation would
        // link Foundation with ICU into the exporter (benchmarks/README.md: memory).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH",
            pkgConfig: "libssh",
            providers: [.apt(["libssh-dev"])]
        ),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CLDNS",
            pkgConfig: "ldns",
            providers: [.apt(["libldns-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "CCrypt",
            linkerSettings: [.linkedLibrary("crypt")]
        ),
        .target(
            name: "VandineCore",
            dependencies: [
                "CCrypt",
                "CYAML",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The project's one HTTP client (libcurl's multi interface); also carries SMTP for alerts.
        .target(
            name: "CurlClient",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both daemons' HTTP servers share: web config -> TLS, basic auth, headers, admin routes.
        .target(
            name: "WebServer",
            dependencies: [
                "VandineCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Probes",
            dependencies: [
                "VandineCore",
                "CurlClient",
                "CLDNS",
                "CLibSSH",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AlertCore",
            dependencies: [
                "VandineCore",
                "CurlClient",
                "CCurl",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "VandineExporter",
            dependencies: [
                "VandineCore",
                "Probes",
                "WebServer",
                "CurlClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AlertManagerLite",
            dependencies: [
                "AlertCore",
                "VandineCore",
                "WebServer",
                "CurlClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Real servers and tools for tests (TCP listener, curl, the exporter binary); not shipped.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VandineCoreTests", dependencies: ["VandineCore", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "TestSupport", .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                    exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "AlertCoreTests", dependencies: ["AlertCore", "TestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AlertManagerLiteTests",
            dependencies: [
                "AlertManagerLite",
                "AlertCore",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CurlClientTests", dependencies: ["CurlClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VandineExporterTests",
            dependencies: [
                "VandineExporter",
                "Probes",
                "WebServer",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
