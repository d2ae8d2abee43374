/// A problem in the configuration, naming the file, the JSON path and what was expected.
package struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The configuration file (or "environment").
    let file: String
    /// Where in the file, e.g. `cameras[1].source`; empty for the whole document.
    let path: String
    /// What was expected or what is wrong.
    let message: String

    package init(file: String, path: String, message: String) {
        self.file = file; self.path = path; self.message = message
    }

    package var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}
