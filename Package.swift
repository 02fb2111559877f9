// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "fs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fs", targets: ["fs"]),
        .library(name: "FeatureStoreKit", targets: ["FeatureStoreKit"]),
        // For the fuzz targets in Fuzz/, a package of their own that can link only products.
        .library(name: "FeatureServer", targets: ["FeatureServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        // Already resolved through Hummingbird; named here because the server's connection handling
        // (timeouts, framing errors, connection limits) works at the channel level, and gRPC resolves
        // its listening host with it.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        // gRPC (HTTP/2 and protobuf) for Feast's ServingService; the generated code is committed.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
        // The web UI's server-rendered templates (compiled into the binary as string literals).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // PostgreSQL as the shared registry (issue 13); used only by the Postgres* targets.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Already resolved through postgres-nio (and gRPC); named for `sslmode=prefer/require`.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // C edges: the system SQLite and RocksDB, linked through pkg-config, never vendored.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),

        // Thin Swift wrappers over the C APIs.
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        .target(name: "RocksDB", dependencies: ["CRocksDB"], swiftSettings: swiftSettings),

        // Domain: definitions, values, time and window math. No I/O.
        .target(name: "FeatureStoreCore", swiftSettings: swiftSettings),

        // Feature profiles (hand-written sketches: KLL quantiles, HyperLogLog, Misra-Gries top-k) and
        // drift between them (PSI, Jensen-Shannon). No I/O.
        .target(name: "FeatureProfiles", dependencies: ["FeatureStoreCore"], swiftSettings: swiftSettings),

        // The declarative feature repo: YAML files to validated definitions.
        .target(
            name: "FeatureRepo",
            dependencies: ["FeatureStoreCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),

        // The registry of applied definitions, in SQLite.
        .target(
            name: "FeatureRegistry",
            dependencies: ["FeatureStoreCore", "SQLite"],
            swiftSettings: swiftSettings
        ),

        // A small synchronous facade over postgres-nio for fs's own threads (never the cooperative pool).
        .target(
            name: "PostgresClient",
            dependencies: [
                "FeatureStoreCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The registry of applied definitions, in PostgreSQL (shared by many machines).
        .target(
            name: "RegistryPostgres",
            dependencies: ["FeatureStoreCore", "FeatureRegistry", "PostgresClient"],
            swiftSettings: swiftSettings
        ),

        // Offline history and point-in-time joins, in SQLite.
        .target(
            name: "OfflineStoreSQLite",
            dependencies: ["FeatureStoreCore", "FeatureProfiles", "SQLite"],
            swiftSettings: swiftSettings
        ),

        // Offline history in PostgreSQL (shared by many machines), over OfflineStoreSQLite's
        // shared parsing, join, window and scan code.
        .target(
            name: "OfflineStorePostgres",
            dependencies: ["FeatureStoreCore", "FeatureProfiles", "OfflineStoreSQLite", "PostgresClient", "SQLite"],
            swiftSettings: swiftSettings
        ),

        // The online store: latest values per entity, in RocksDB.
        .target(
            name: "OnlineStoreRocksDB",
            dependencies: ["FeatureStoreCore", "RocksDB"],
            swiftSettings: swiftSettings
        ),

        // A small Redis / Redis Cluster client over SwiftNIO (no Redis client package is available).
        .target(
            name: "Redis",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // An online store in Redis, in Feast's Redis layout.
        .target(
            name: "OnlineStoreRedis",
            dependencies: ["FeatureStoreCore", "Redis"],
            swiftSettings: swiftSettings
        ),

        // The facade the CLI and the server call: one opened feature repo and its stores.
        .target(
            name: "FeatureStoreKit",
            dependencies: [
                "FeatureStoreCore", "FeatureProfiles", "FeatureRepo", "FeatureRegistry", "RegistryPostgres",
                "OfflineStoreSQLite", "OnlineStoreRocksDB", "OnlineStoreRedis", "Redis",
                "OfflineStorePostgres",
            ],
            swiftSettings: swiftSettings
        ),

        // The HTTP feature server (Hummingbird 2): lookups, push, materialization, metrics, scheduler,
        // monitoring (stats, drift, gauges) and the web UI.
        .target(
            name: "FeatureServer",
            dependencies: [
                "FeatureStoreKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),

        // The gRPC wire types (Feast's ServingService, gRPC health): Swift generated from the
        // .proto files in Protos/ by scripts/gen-protos, committed so builds never need protoc.
        .target(
            name: "FeastProtos",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Protos"],
            swiftSettings: swiftSettings
        ),

        // The gRPC face of the feature server: Feast's ServingService and gRPC health over HTTP/2,
        // on the same lookup path, plan cache, metrics and logs as HTTP.
        .target(
            name: "FeatureServerGRPC",
            dependencies: [
                "FeatureServer", "FeatureStoreKit", "FeastProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The thin command line.
        .executableTarget(
            name: "fs",
            dependencies: [
                "FeatureStoreKit",
                "FeatureServer",
                "FeatureServerGRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Library-level benchmarks (scripts/bench/online-read); not part of the product.
        .executableTarget(name: "fs-bench", dependencies: ["FeatureStoreKit"], swiftSettings: swiftSettings),

        .testTarget(name: "FeatureStoreCoreTests", dependencies: ["FeatureStoreCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeatureProfilesTests", dependencies: ["FeatureProfiles", "FeatureStoreCore"],
            swiftSettings: swiftSettings),
        .testTarget(name: "FeatureRepoTests", dependencies: ["FeatureRepo"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeatureRegistryTests",
            dependencies: [
                "FeatureRegistry", "FeatureRepo", "SQLite", "RegistryPostgres", "PostgresClient",
                "PostgresTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OfflineStoreSQLiteTests",
            dependencies: [
                "OfflineStoreSQLite", "SQLite", "FeatureStoreCore", "FeatureProfiles", "OfflineStorePostgres",
                "PostgresClient", "PostgresTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OnlineStoreRocksDBTests",
            dependencies: ["OnlineStoreRocksDB"],
            swiftSettings: swiftSettings
        ),
        // Starts child processes for the tests with posix_spawn (Foundation's Process.run() can
        // crash on this toolchain: see its file).
        .target(name: "ProcessSupport", path: "Tests/ProcessSupport", swiftSettings: swiftSettings),
        // Starts redis-server processes (one server, a 3-master cluster) for the Redis tests.
        .target(
            name: "RedisTestSupport",
            dependencies: ["Redis", "ProcessSupport"],
            path: "Tests/RedisTestSupport",
            swiftSettings: swiftSettings
        ),
        // Starts a throwaway PostgreSQL cluster (initdb, postgres on a loopback port) for the tests.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["ProcessSupport", "PostgresClient", "FeatureStoreCore"],
            path: "Tests/PostgresTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", "PostgresTestSupport", "FeatureStoreCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedisTests",
            dependencies: [
                "Redis", "RedisTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OnlineStoreRedisTests",
            dependencies: [
                "OnlineStoreRedis", "Redis", "RedisTestSupport", "FeatureStoreCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FeatureStoreKitTests",
            dependencies: [
                "FeatureStoreKit", "SQLite", "RedisTestSupport", "PostgresTestSupport", "PostgresClient",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FeatureServerTests",
            dependencies: [
                "FeatureServer",
                "FeatureStoreKit",
                "SQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FeatureServerGRPCTests",
            dependencies: [
                "FeatureServerGRPC", "FeatureServer", "FeatureStoreKit", "FeastProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "fs", "FeastProtos", "ProcessSupport", "RedisTestSupport", "PostgresTestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
