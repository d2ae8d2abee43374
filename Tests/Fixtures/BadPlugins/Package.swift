// swift-tools-version: 6.0
// Test fixtures: plugins that misbehave on purpose, or report what the host gave them. Built by
// HostTests, never shipped.
import PackageDescription

let pluginAPI: Target.Dependency = .product(name: "PluginAPI", package: "PluginAPI")

let package = Package(
    name: "BadPlugins",
    products: [
        .library(name: "BadInit", type: .dynamic, targets: ["BadInit"]),
        .library(name: "Probe", type: .dynamic, targets: ["Probe"]),
    ],
    dependencies: [.package(path: "../../../Sources/PluginAPI")],
    targets: [
        .target(name: "BadInit", dependencies: [pluginAPI]),
        .target(name: "Probe", dependencies: [pluginAPI]),
    ]
)
