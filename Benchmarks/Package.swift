// swift-tools-version: 6.0
import PackageDescription

/// Speed benchmark of Palisade's detection core beside libmodsecurity3 + OWASP CRS (issue 3).
/// A package of its own so the root package never links ModSecurity.
let package = Package(
    name: "palisade-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, because a path dependency is otherwise known by its directory name, which varies by checkout.
        .package(name: "palisade", path: ".."),
    ],
    targets: [
        .systemLibrary(
            name: "CModSecurity",
            pkgConfig: "modsecurity",
            providers: [.apt(["libmodsecurity-dev", "modsecurity-crs"])]
        ),
        .target(name: "CModSecurityHarness", dependencies: ["CModSecurity"]),
        .executableTarget(
            name: "DetectBenchmark",
            dependencies: [
                "CModSecurityHarness",
                .product(name: "PalisadeDetect", package: "palisade"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
