// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode with complete concurrency checking,
/// plus the upcoming features that keep C types and implicit existentials out of public API.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Tide",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tide", targets: ["Tide"]),
        .executable(name: "tide", targets: ["tide"]),
        .executable(name: "tide-guard", targets: ["tide-guard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Debian's liblua5.4 (the C build: errors are longjmp), found with pkg-config lua5.4.
        .systemLibrary(
            name: "CLuaSystem",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // Small C helpers: trampoline, allocator, count hook, protected entry points, input guards.
        .target(name: "CLua", dependencies: ["CLuaSystem"]),
        // The Swift wrapper of one Lua state: values, calls, host functions, sandbox, limits, coroutines.
        .target(name: "Lua", dependencies: ["CLua"], swiftSettings: strictSettings),
        // Runs one script in a fresh sandbox and prints the outcome as JSON; drives the hostile suite.
        .executableTarget(
            name: "tide-lua-probe",
            dependencies: ["Lua"],
            path: "Sources/LuaProbe",
            swiftSettings: strictSettings
        ),
        // Release-built micro-benchmarks of the Lua layer (dev/bench-lua.sh).
        .executableTarget(
            name: "tide-lua-bench",
            dependencies: ["Lua"],
            path: "Benchmarks/LuaBench",
            swiftSettings: strictSettings
        ),
        // The engine: plans, scheduling, lifecycle, monitoring, recovery. Knows nothing of Lua or SQLite.
        .target(
            name: "TideCore",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // The bridge: Lua plans, task bodies as coroutines, the `tide.*` API, Swift actions, processes.
        .target(
            name: "TideLua",
            dependencies: [
                "Lua", "TideCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),
        // Durable storage of executions, timelines, checkpoints and history in one SQLite file (GRDB, WAL).
        .target(
            name: "TideStore",
            dependencies: ["TideCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // The umbrella library: `import Tide` gives the engine, the Lua bridge and the store.
        .target(
            name: "Tide", dependencies: ["Lua", "TideCore", "TideLua", "TideStore"], swiftSettings: strictSettings),
        // The command line tool.
        // What tide.exec runs each child under (see its main.c); built with tide, installed beside it.
        .executableTarget(name: "tide-guard", path: "Sources/TideGuard"),
        .executableTarget(
            name: "tide",
            dependencies: [
                "Tide", "tide-guard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // Test helpers shared by the test targets (manual clock, scripted recovery strategy, …); not a product.
        .target(name: "TideTesting", dependencies: ["TideCore"], swiftSettings: strictSettings),
        // Heap statistics for the benchmarks.
        .target(name: "CHeap", path: "Benchmarks/CHeap"),
        // Release-built benchmark of the engine core (dev/bench-engine.sh).
        .executableTarget(
            name: "tide-engine-bench",
            dependencies: ["TideCore", "CHeap"],
            path: "Benchmarks/EngineBench",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LuaTests",
            dependencies: ["Lua", "CLua", "TideTesting", "tide-lua-probe"],
            exclude: ["Hostile", "Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TideLuaTests",
            dependencies: ["Tide", "TideTesting", "tide", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["HostilePlans"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TideStoreTests",
            dependencies: ["TideStore", "TideCore", "TideTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TideCoreTests",
            dependencies: ["TideCore", "TideTesting"],
            swiftSettings: strictSettings
        ),
    ]
)
