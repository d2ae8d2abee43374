// swift-tools-version: 6.0
// A vigil sink plugin built outside vigil's source tree.
// Point both paths at your vigil checkout (the copy vigil's tests make rewrites them):
// PluginAPI is what the plugin links; vigil itself gives PluginKit, the test kit, to the tests only.
import PackageDescription

let package = Package(
    name: "PostSink",
    products: [.library(name: "PostSink", type: .dynamic, targets: ["PostSink"])],
    dependencies: [
        .package(path: "../../Sources/PluginAPI"),
        .package(name: "vigil", path: "../.."),
    ],
    targets: [
        .target(name: "PostSink", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")]),
        .testTarget(name: "PostSinkTests", dependencies: [
            "PostSink", .product(name: "PluginAPI", package: "PluginAPI"), .product(name: "PluginKit", package: "vigil"),
        ]),
    ]
)
