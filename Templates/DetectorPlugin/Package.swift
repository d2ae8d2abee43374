// swift-tools-version: 6.0
// A vigil detector plugin built outside vigil's source tree.
// Point the PluginAPI path at your vigil checkout (or the copy installed with vigil).
import PackageDescription

let package = Package(
    name: "BrightnessDetector",
    products: [.library(name: "BrightnessDetector", type: .dynamic, targets: ["BrightnessDetector"])],
    dependencies: [.package(path: "../../Sources/PluginAPI")],
    targets: [
        .target(name: "BrightnessDetector", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")]),
    ]
)
