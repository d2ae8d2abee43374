// swift-tools-version: 6.0
// A program outside vigil using its Redis client library: `.package(path:)` to the vigil checkout
// and the `VigilRedisClient` product.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name (the checkout may be called vigil, main, …).
let vigilCheckout = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "VigilConsumer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: vigilCheckout.path),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(name: "VigilConsumer", dependencies: [
            .product(name: "VigilRedisClient", package: vigilCheckout.lastPathComponent.lowercased()),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
