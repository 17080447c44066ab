// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "StreamRec",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "streamrec", targets: ["streamrec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // C libraries, linked through pkg-config.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Numerics without C: seeded RNG, top-K selection (the one of each every module uses).
        .target(name: "LinalgCore", swiftSettings: strict),
        // Numerics: contiguous Float storage, BLAS calls; re-exports LinalgCore.
        .target(name: "Linalg", dependencies: ["CBLAS", "LinalgCore"], swiftSettings: strict),
        // Event schema, decoding and validation, event files, synthetic generator.
        .target(name: "Events", dependencies: ["LinalgCore"], swiftSettings: strict),
        // Learners: online MF family, batch baselines, Bi-GRU session encoder, hybrid ranker.
        .target(name: "Models", dependencies: ["Linalg"], swiftSettings: strict),
        // Swift wrapper of librdkafka: consumer, producer, admin, embedded mock cluster.
        .target(name: "Kafka", dependencies: ["CRdKafka"], swiftSettings: strict),
        // Recommender state and per-event learning: id maps, user table, refresh and ranking,
        // session tracker, partition-scoped state and its encoding, checkpoints. No Kafka.
        .target(name: "Engine", dependencies: ["Models", "Events", "Linalg"], swiftSettings: strict),
        // The Kafka-facing loop: assignment and positions, per-partition state and its restore
        // from the changelog or the checkpoint, publishing, checkpoint and commit.
        .target(name: "Pipeline", dependencies: [
            "Engine", "Kafka", "Events", "Models",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], swiftSettings: strict),
        // Offline evaluation: dataset readers, splits, metrics, protocols; the hybrid is ranked by
        // the engine's own scorer and fusion.
        .target(name: "Evaluation", dependencies: ["Engine", "Models", "Linalg", "Events"], swiftSettings: strict),
        // Running as a service: configuration, lifecycle, HTTP, metrics exposition, sd_notify.
        .target(name: "Daemon", dependencies: [
            "Pipeline", "Engine", "Kafka", "Events", "Models", "Linalg",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: strict),
        .executableTarget(name: "streamrec", dependencies: [
            "Daemon", "Pipeline", "Engine", "Evaluation", "Events", "Models", "Kafka", "Linalg",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: strict,
        // jemalloc serves every allocation of the process (librdkafka's too): glibc's malloc made
        // the pipeline thread wait on another thread's arena lock to free each consumed message.
        linkerSettings: [.linkedLibrary("jemalloc")]),

        // Test kit: a mock cluster with StreamRec's topics, a pipeline runner, output parsing.
        .target(name: "StreamRecTestKit", dependencies: [
            "Kafka", "Pipeline", "Engine", "Events", "Linalg", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Fuzz target of the event decoder (libFuzzer with -DLIBFUZZER, else a bounded mutation driver).
        .executableTarget(name: "EventsFuzzer", dependencies: ["Events"], swiftSettings: strict),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"], swiftSettings: strict),
        .testTarget(name: "EventsTests", dependencies: ["Events", "LinalgCore"], swiftSettings: strict),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Linalg", "Events"], swiftSettings: strict),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"], swiftSettings: strict),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Engine", "Models", "Events"], swiftSettings: strict),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Events", "Models", "Linalg", "StreamRecTestKit"], swiftSettings: strict),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Engine", "Kafka", "Events", "Models", "Linalg", "StreamRecTestKit"], swiftSettings: strict),
        .testTarget(name: "DaemonTests", dependencies: [
            "Daemon", "Pipeline", "Engine", "Kafka", "Events", "StreamRecTestKit",
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: strict),
    ]
)
