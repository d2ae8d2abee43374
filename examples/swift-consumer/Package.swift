// swift-tools-version: 6.0
// A program outside vigil using its Redis client library: `.package(path:)` to the vigil checkout
// and the `VigilRedisClient` product.
import PackageDescription

let package = Package(
    name: "VigilConsumer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(name: "VigilConsumer", dependencies: [
            .product(name: "VigilRedisClient", package: "vigil"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
