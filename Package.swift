// swift-tools-version: 6.0
import PackageDescription

/// OpenCV from Debian's libopencv-dev.
/// -O3 even in debug builds: motion detection is the hot loop tests and demos run.
let openCVHeaders: [CXXSetting] = [.unsafeFlags(["-I/usr/include/opencv4", "-O3"])]
let openCVLibraries: [LinkerSetting] = ["opencv_core", "opencv_imgproc", "opencv_imgcodecs", "opencv_videoio",
                                         "opencv_objdetect", "opencv_dnn", "opencv_video"]
    .map { .linkedLibrary($0) }
let pluginAPI: Target.Dependency = .product(name: "PluginAPI", package: "PluginAPI")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let hummingbirdWebSocket: Target.Dependency = .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "vigil",
    products: [
        .executable(name: "vigil", targets: ["Host"]),
        .library(name: "Motion", type: .dynamic, targets: ["Motion"]),
        .library(name: "Tracking", type: .dynamic, targets: ["Tracking"]),
        .library(name: "ANPR", type: .dynamic, targets: ["ANPR"]),
        .library(name: "Webhook", type: .dynamic, targets: ["Webhook"]),
        .library(name: "VigilRedisClient", targets: ["VigilRedisClient"]),
        // The plugin test kit: what a plugin author's tests link (not part of the plugin ABI).
        .library(name: "PluginKit", targets: ["PluginKit"]),
    ],
    dependencies: [
        .package(path: "Sources/PluginAPI"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        // C libraries: one thin module each, wrapped in Swift in one place.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CTesseract", path: "Sources/CTesseract"),
        .target(name: "VigilVision", path: "Sources/VigilVision", cxxSettings: openCVHeaders,
                linkerSettings: openCVLibraries),
        .target(name: "VigilPostgres", dependencies: ["CLibPQ"], path: "Sources/VigilPostgres"),
        .target(name: "VigilRedis", dependencies: ["CHiredis"], path: "Sources/VigilRedis"),
        .target(name: "VigilRedisClient", dependencies: ["VigilRedis", .product(name: "Logging", package: "swift-log")],
                path: "Sources/VigilRedisClient"),
        .target(name: "VigilCurl", dependencies: ["CCurl"], path: "Sources/VigilCurl"),
        .target(name: "VigilCrypto", dependencies: ["CCrypto"], path: "Sources/VigilCrypto"),
        .target(name: "CWorker", path: "Sources/CWorker"),
        .target(name: "VigilOCR", dependencies: ["CTesseract"], path: "Sources/VigilOCR"),

        // The host (Sources/Host): one library per folder, lowest first, and the thin `vigil` executable.
        .target(name: "VigilSupport", dependencies: [logging], path: "Sources/Host/Support"),
        .target(name: "VigilConfig", dependencies: [pluginAPI, "VigilRedisClient"], path: "Sources/Host/Config"),
        .target(name: "HostMetrics", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"),
                                                    .product(name: "Prometheus", package: "swift-prometheus")],
                path: "Sources/Host/Metrics"),
        .target(name: "VigilPlugins", dependencies: ["VigilConfig", pluginAPI, logging], path: "Sources/Host/Plugins"),
        // Process isolation: plugin workers, their supervisor, shared frame memory, proxies.
        .target(name: "VigilIsolation", dependencies: ["CWorker", "VigilConfig", "VigilPlugins", pluginAPI, logging],
                path: "Sources/Host/Isolation"),
        .target(name: "VigilRouter", dependencies: ["VigilConfig", "HostMetrics", pluginAPI, "VigilPostgres", "VigilRedis", "VigilCrypto",
                                                    logging, serviceLifecycle],
                path: "Sources/Host/Router"),
        .target(name: "HostRedis", dependencies: ["VigilConfig", "VigilRedisClient", pluginAPI, logging, serviceLifecycle],
                path: "Sources/Host/Redis"),
        .target(name: "VigilPipeline", dependencies: ["VigilSupport", "VigilConfig", "VigilPlugins", "VigilRouter", pluginAPI,
                                                      "VigilIsolation", "VigilVision", logging, serviceLifecycle],
                path: "Sources/Host/Pipeline"),
        .target(name: "VigilWorkQueue", dependencies: ["VigilPipeline", "VigilRouter", "VigilRedisClient", pluginAPI, logging,
                                                       serviceLifecycle],
                path: "Sources/Host/WorkQueue"),
        .target(name: "VigilSinks", dependencies: ["VigilConfig", "VigilPlugins", "VigilRouter", pluginAPI, "VigilPostgres",
                                                   "VigilIsolation", logging, serviceLifecycle],
                path: "Sources/Host/Sinks"),
        .target(name: "VigilRetention", dependencies: ["VigilConfig", "VigilRouter", "VigilPostgres", logging, serviceLifecycle],
                path: "Sources/Host/Retention"),
        .target(name: "VigilAPI", dependencies: ["VigilConfig", "HostMetrics", "VigilRouter", "VigilPipeline", "VigilSinks",
                                                 "VigilRetention",
                                                 pluginAPI, "VigilPostgres", "VigilRedis", "VigilRedisClient", hummingbird, logging,
                                                 serviceLifecycle, hummingbirdWebSocket],
                path: "Sources/Host/API"),
        .target(name: "VigilBench", dependencies: ["VigilSupport", "VigilConfig", "HostMetrics", "VigilPlugins", "VigilRouter",
                                                   "VigilPipeline", "VigilSinks", "VigilAPI", "VigilIsolation", pluginAPI,
                                                   "VigilPostgres", "VigilRedis", "VigilRedisClient", "VigilCurl", "VigilVision", hummingbird,
                                                   argumentParser, logging, serviceLifecycle],
                path: "Sources/Host/Bench"),
        .target(name: "VigilCommands", dependencies: ["VigilSupport", "VigilConfig", "HostMetrics", "VigilPlugins",
                                                      "VigilRouter", "VigilPipeline", "VigilSinks", "VigilRetention", "VigilAPI",
                                                      "VigilBench", "VigilIsolation",
                                                      "HostRedis", "VigilRedisClient", "VigilPostgres", "VigilWorkQueue",
                                                      pluginAPI, "VigilVision", argumentParser, logging, serviceLifecycle],
                path: "Sources/Host/Commands"),
        .executableTarget(name: "Host", dependencies: ["VigilCommands"], path: "Sources/Host/Main"),

        // PluginKit: test a plugin without PostgreSQL, Redis or the host, with the host's own chain,
        // loader and retry policy.
        .target(name: "PluginKit", dependencies: [pluginAPI, "VigilPlugins", "VigilPipeline", "VigilSinks", "VigilRouter",
                                                  "VigilVision", logging],
                path: "Sources/PluginKit"),

        // Plugins: each one .dynamic product, same shape.
        .target(name: "Motion", dependencies: [pluginAPI, "VigilVision"], path: "Plugins/Motion",
                exclude: ["README.md"]),
        // The tracking plugin's code is a library of its own (TrackingCore) so its tests can link it
        // without the entry symbol, which every plugin defines once (vigil_plugin_entry).
        .target(name: "Tracking", dependencies: [pluginAPI, "TrackingCore"], path: "Plugins/Tracking",
                exclude: ["README.md", "Core"]),
        .target(name: "TrackingCore", dependencies: [pluginAPI, "VigilVision"], path: "Plugins/Tracking/Core"),
        .target(name: "ANPR", dependencies: [pluginAPI, "ANPREngine"], path: "Plugins/ANPR",
                exclude: ["README.md", "eval-config.json", "Engine"]),
        // The plugin's engine, apart from its entry symbol so tests can link it next to other plugins.
        .target(name: "ANPREngine", dependencies: [pluginAPI, "VigilVision", "VigilOCR"], path: "Plugins/ANPR/Engine"),
        .target(name: "Webhook", dependencies: [pluginAPI, "VigilCurl", "VigilCrypto"], path: "Plugins/Webhook",
                exclude: ["README.md"]),

        .testTarget(name: "HostTests", dependencies: ["VigilConfig", "HostMetrics", "VigilPlugins", "VigilIsolation", "VigilRouter",
                                                      "VigilPipeline", "VigilSinks", "VigilRetention", "VigilAPI", pluginAPI, "VigilPostgres",
                                                      "VigilRedis", "VigilRedisClient", "HostRedis", "VigilWorkQueue", "VigilVision", hummingbird,
                                                      "VigilCrypto", logging, serviceLifecycle],
                    path: "Tests/HostTests"),
        .testTarget(name: "WebhookTests", dependencies: ["Webhook", pluginAPI, "VigilCurl", "VigilCrypto",
                                                         .product(name: "Hummingbird", package: "hummingbird")],
                    path: "Tests/WebhookTests"),
        .testTarget(name: "VigilRedisClientTests", dependencies: ["VigilRedisClient", "VigilRedis",
                                                                  .product(name: "Logging", package: "swift-log")],
                    path: "Tests/VigilRedisClientTests"),
        .testTarget(name: "TrackingTests", dependencies: ["TrackingCore", pluginAPI, "VigilVision"], path: "Tests/TrackingTests"),
        .testTarget(name: "PluginAPITests", dependencies: [pluginAPI], path: "Tests/PluginAPITests"),
        .testTarget(name: "ANPRTests", dependencies: ["ANPREngine", pluginAPI, "VigilVision", "VigilOCR"], path: "Tests/ANPRTests"),
    ]
)
