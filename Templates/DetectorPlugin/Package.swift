// swift-tools-version: 6.0
// A vigil detector plugin built outside vigil's source tree.
// Point both paths at your vigil checkout (the copy vigil's tests make rewrites them):
// PluginAPI is what the plugin links; vigil itself gives PluginKit, the test kit, to the tests only.
import PackageDescription

let package = Package(
    name: "BrightnessDetector",
    products: [.library(name: "BrightnessDetector", type: .dynamic, targets: ["BrightnessDetector"])],
    dependencies: [
        .package(path: "../../Sources/PluginAPI"),
        .package(name: "vigil", path: "../.."),
    ],
    targets: [
        .target(name: "BrightnessDetector", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")]),
        .testTarget(name: "BrightnessDetectorTests", dependencies: [
            "BrightnessDetector", .product(name: "PluginAPI", package: "PluginAPI"), .product(name: "PluginKit", package: "vigil"),
        ]),
    ]
)
