import PluginAPI
import VigilPlugins

/// Checks a built plugin `.so` the way vigil will: vigil's own loader reads its ELF headers,
/// calls its entry symbol with this PluginAPI's ABI, and takes its descriptor.
///
///     let report = try PluginFile.check(".build/debug/libBrightnessDetector.so", kind: .detector)
///     XCTAssertEqual(report.name, "brightness")
///     XCTAssertTrue(report.sameToolchain)
public enum PluginFile {
    /// What a plugin file says about itself.
    public struct Report: Sendable {
        /// The plugin's name, e.g. "brightness".
        public let name: String
        /// Its own version.
        public let version: String
        /// Its one-line summary.
        public let summary: String
        /// Detector or sink.
        public let kind: PluginKind
        /// The plugin ABI it was built for (equal to vigil's, or loading would have failed).
        public let abi: UInt32
        /// The compiler that built it (the `clang version …` line of its `.comment` section).
        public let toolchain: String?
        /// False when it was built by another compiler than this code: vigil warns about that.
        public let sameToolchain: Bool
    }

    /// Loads `path` (throws vigil's own error, e.g. "is truncated or not a shared library", "was
    /// built for plugin ABI 2", "is a sink plugin, not a detector") and reports on it.
    public static func check(_ path: String, kind: PluginKind? = nil) throws -> Report {
        let library = try load(path, kind: kind)
        let d = library.descriptor
        return Report(name: d.name, version: d.version, summary: d.summary, kind: d.kind, abi: library.abi,
                      toolchain: library.toolchain, sameToolchain: !library.toolchainDiffers)
    }

    static func load(_ path: String, kind: PluginKind?) throws -> PluginLibrary {
        try PluginLibrary.load(path: path, expecting: kind)
    }
}
