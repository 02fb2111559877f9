// swift-tools-version: 6.1
// Coverage-guided fuzz targets (libFuzzer) for fs's parsers, in a package of their own so that the
// normal `swift build` and `swift test` never compile them. Build and run them with
// `scripts/fuzz TARGET SECONDS` (it passes `-sanitize=fuzzer,address` and `-parse-as-library`).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "fs-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "fs", path: "..")],
    targets: [
        // What every target shares: the property check and the fixed source the ingest targets read into.
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "FeatureStoreKit", package: "fs")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzJSONRequest",
            dependencies: ["FuzzSupport", .product(name: "FeatureServer", package: "fs")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport"], swiftSettings: swiftSettings),
        .executableTarget(name: "FuzzJSONL", dependencies: ["FuzzSupport"], swiftSettings: swiftSettings),
        .executableTarget(name: "FuzzRepoYAML", dependencies: ["FuzzSupport"], swiftSettings: swiftSettings),
        .executableTarget(name: "FuzzTimestamp", dependencies: ["FuzzSupport"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
