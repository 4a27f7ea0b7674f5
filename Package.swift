// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]

let package = Package(
    name: "palisade",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "palisade", targets: ["palisade"]),
        .executable(name: "palisade-agent", targets: ["palisade-agent"]),
        .library(name: "PalisadeDetect", targets: ["PalisadeDetect"]),
        .library(name: "PalisadeConsoleClient", targets: ["PalisadeConsoleClient"]),
        .library(name: "PalisadePosture", targets: ["PalisadePosture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libcurl through dlopen, for the posture commands that use the network (docs/posture.md).
        .target(name: "CCurl"),
        .target(name: "PalisadeJSON", swiftSettings: strict),
        .target(
            name: "PalisadeDetect",
            dependencies: ["PalisadeJSON", "CPCRE2", "CZlib"],
            exclude: ["CRS/LICENSE-CRS.txt", "CRS/NOTICE.md"],
            swiftSettings: strict
        ),
        .target(
            name: "PalisadePosture",
            dependencies: ["CCurl", "CZlib", "PalisadeSystem", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .target(name: "PalisadeConsoleProtocol", dependencies: ["CZlib"], swiftSettings: strict),
        .target(
            name: "PalisadeStore",
            dependencies: ["CSQLite", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "PalisadeConsole",
            dependencies: [
                "PalisadeStore", "PalisadeConsoleProtocol", "PalisadeConsoleClient", "PalisadeDetect", "PalisadePolicy", "PalisadeJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ] + nio,
            swiftSettings: strict
        ),
        .target(name: "PalisadeConsoleClient", dependencies: ["PalisadeConsoleProtocol", "PalisadeJSON"] + nio, swiftSettings: strict),
        .target(name: "PalisadeSystem", swiftSettings: strict),
        .target(name: "PalisadePolicy", dependencies: ["PalisadeJSON", "PalisadeDetect", "PalisadeSystem"], swiftSettings: strict),
        .target(name: "PalisadeLearn", dependencies: ["PalisadeJSON"], swiftSettings: strict),
        .target(name: "PalisadeHTTP", dependencies: ["PalisadeSystem"] + nio, swiftSettings: strict),
        // The behaviour guard's decisions and input correlation, free of I/O (the server is in PalisadeAgent).
        .target(name: "PalisadeBehaviour", dependencies: ["PalisadePolicy", "PalisadeDetect", "PalisadeJSON", "PalisadeSystem"], swiftSettings: strict),
        .target(
            name: "PalisadeAgent",
            dependencies: ["PalisadeDetect", "PalisadePolicy", "PalisadeBehaviour", "PalisadeJSON", "PalisadeHTTP", "PalisadeSystem", "PalisadeConsoleClient"] + nio,
            swiftSettings: strict
        ),
        .target(name: "PalisadeLocal", dependencies: ["PalisadeHTTP", "PalisadeJSON", "PalisadeSystem"] + nio, swiftSettings: strict),
        .executableTarget(name: "palisade-agent", dependencies: ["PalisadeAgent", "PalisadeSystem"], swiftSettings: strict),
        .executableTarget(
            name: "palisade",
            dependencies: [
                "PalisadeDetect", "PalisadePolicy", "PalisadeLearn", "PalisadeLocal", "PalisadeSystem", "PalisadePosture",
                "PalisadeConsole", "PalisadeStore", "PalisadeConsoleClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["palisade.order"],
            swiftSettings: strict,
            // The release binary starts on fewer pages (docs/posture.md): lld packs its 136,000 relative
            // relocations into a small DT_RELR table (glibc 2.36+), its symbols stay unexported, and the
            // functions `scan` runs sit together (palisade.order, from scripts/order-palisade).
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                              "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/palisade/palisade.order",
                              "-Xlinker", "--no-warn-symbol-ordering"],
                             .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // Prints the agent-overhead table: scripts/bench-agent
        .executableTarget(name: "agent-overhead", dependencies: ["PalisadeLocal", "PalisadeDetect"], path: "Benchmarks/agent-overhead", swiftSettings: strict),
        // Prints the behaviour guard's overhead table: scripts/bench-guard
        .executableTarget(name: "guard-overhead", dependencies: ["PalisadeLocal"], path: "Benchmarks/guard", exclude: ["guard-bench.c", "exit-static.c"], swiftSettings: strict),
        .executableTarget(
            name: "palisade-console-bench",
            dependencies: ["PalisadeConsoleClient", "PalisadeConsoleProtocol", "PalisadeStore", "PalisadeSystem"],
            swiftSettings: strict
        ),
        .testTarget(name: "PalisadeJSONTests", dependencies: ["PalisadeJSON"], swiftSettings: strict),
        .testTarget(
            name: "PalisadeDetectTests",
            dependencies: ["PalisadeDetect", "PalisadeJSON"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadePostureTests",
            dependencies: ["PalisadePosture"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "PalisadePolicyTests", dependencies: ["PalisadePolicy"], swiftSettings: strict),
        .testTarget(name: "PalisadeLearnTests", dependencies: ["PalisadeLearn", "PalisadeJSON", "CPCRE2"], swiftSettings: strict),
        .testTarget(name: "PalisadeBehaviourTests", dependencies: ["PalisadeBehaviour", "PalisadePolicy", "PalisadeDetect"], swiftSettings: strict),
        .testTarget(name: "PalisadeAgentTests", dependencies: ["PalisadeAgent", "PalisadePolicy", "PalisadeJSON", "PalisadeDetect", "PalisadeSystem"], swiftSettings: strict),
        .testTarget(
            name: "PalisadeLocalTests",
            dependencies: ["PalisadeLocal", "PalisadeHTTP", "PalisadeJSON", "PalisadeSystem", "PalisadeAgent", "PalisadeBehaviour", "PalisadePolicy"] + nio,
            exclude: ["GuardFunctions"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PalisadeConsoleProtocolTests",
            dependencies: ["PalisadeConsoleProtocol", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(name: "PalisadeStoreTests", dependencies: ["PalisadeStore"], swiftSettings: strict),
        .testTarget(
            name: "PalisadeConsoleTests",
            dependencies: [
                "PalisadeConsole", "PalisadeStore", "PalisadeConsoleProtocol", "PalisadeConsoleClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ] + nio,
            swiftSettings: strict
        ),
        .testTarget(name: "PalisadeCommandTests", dependencies: ["palisade", "PalisadeConsoleClient"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
