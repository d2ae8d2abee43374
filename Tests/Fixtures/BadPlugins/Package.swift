// swift-tools-version: 6.0
// Test fixtures: plugins that misbehave on purpose. Built by HostTests, never shipped.
import PackageDescription

let package = Package(
    name: "BadPlugins",
    products: [.library(name: "BadInit", type: .dynamic, targets: ["BadInit"])],
    dependencies: [.package(path: "../../../Sources/PluginAPI")],
    targets: [.target(name: "BadInit", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")])]
)
