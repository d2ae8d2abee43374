// swift-tools-version: 6.0
// PluginAPI: the one shared library that the vigil host and every plugin link.
// It is its own package so that host and plugins all link the same libPluginAPI.so
// (a target depended on inside one package would be linked statically into each).
import PackageDescription

let package = Package(
    name: "PluginAPI",
    products: [
        .library(name: "PluginAPI", type: .dynamic, targets: ["PluginAPI"]),
    ],
    targets: [
        .target(
            name: "PluginAPI",
            swiftSettings: [.unsafeFlags(["-enable-library-evolution"])]
        ),
    ]
)
