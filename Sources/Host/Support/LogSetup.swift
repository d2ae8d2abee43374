import Foundation
import Logging

/// The process's one root logger; configured once per process.
package enum LogSetup {
    private static let bootstrapped: Bool = {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return true
    }()

    /// The root logger ("vigil"); subsystems add metadata to copies of it.
    package static func rootLogger() -> Logger {
        _ = bootstrapped
        return Logger(label: "vigil")
    }
}
