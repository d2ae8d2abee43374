import Foundation
import Logging
import VigilRedisClient
import XCTest

/// Log lines kept in memory (no LoggingSystem.bootstrap), so tests can assert what was logged.
final class LogCapture: @unchecked Sendable {
    struct Line { let level: Logger.Level; let message: String; let metadata: [String: String] }
    private let lock = NSLock()
    private var captured: [Line] = []

    /// A logger writing here.
    func logger(_ label: String = "redis-test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .debug
        return logger
    }

    var lines: [Line] { lock.lock(); defer { lock.unlock() }; return captured }

    func count(_ message: String) -> Int { lines.filter { $0.message == message }.count }

    fileprivate func append(_ line: Line) { lock.lock(); captured.append(line); lock.unlock() }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append(Line(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A client for `server` with short timeouts and backoff suited to tests.
func makeClient(_ server: RedisServer, logs: LogCapture = LogCapture(), database: Int = 0, password: String? = nil,
                poolSize: Int = 4, configure: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisClient {
    var configuration = try RedisConfiguration(url: server.url(database: database, password: password))
    configuration.poolSize = poolSize
    configuration.retry = RedisRetryPolicy(attempts: 4, base: .milliseconds(50), cap: .milliseconds(400))
    configuration.commandTimeout = .seconds(3)
    configure(&configuration)
    return RedisClient(configuration: configuration, logger: logs.logger())
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(_ seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

// XCTest's assertions take synchronous autoclosures; these take async ones.
func assertEqual<T: Equatable>(_ value: @autoclosure () async throws -> T, _ expected: @autoclosure () -> T,
                               _ message: String = "", file: StaticString = #filePath, line: UInt = #line) async throws {
    let v = try await value()
    XCTAssertEqual(v, expected(), message, file: file, line: line)
}

func assertNil<T>(_ value: @autoclosure () async throws -> T?, _ message: String = "",
                  file: StaticString = #filePath, line: UInt = #line) async throws {
    let v = try await value()
    XCTAssertNil(v, message, file: file, line: line)
}

func assertTrue(_ value: @autoclosure () async throws -> Bool, _ message: String = "",
                file: StaticString = #filePath, line: UInt = #line) async throws {
    let v = try await value()
    XCTAssertTrue(v, message, file: file, line: line)
}

func assertFalse(_ value: @autoclosure () async throws -> Bool, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) async throws {
    let v = try await value()
    XCTAssertFalse(v, message, file: file, line: line)
}
