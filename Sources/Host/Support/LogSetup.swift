import Foundation
import Logging

/// The process's one root logger; configured once per process.
package enum LogSetup {
    private static let bootstrapped: Bool = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        return true
    }()

    /// The root logger ("vigil") at `level` (`LOG_LEVEL`, checked by Settings); subsystems add
    /// metadata to copies of it.
    package static func rootLogger(level: String = "info") -> Logger {
        _ = bootstrapped
        var logger = Logger(label: "vigil")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
