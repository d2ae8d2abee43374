import Foundation
import XCTest

/// Paths and processes the tests share.
enum TestSupport {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Where SwiftPM put the test bundle, the `vigil` binary and the plugin .so files.
    static let buildDir: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.appendingPathComponent("vigil").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }()

    static var vigil: String { "\(buildDir)/vigil" }

    /// The shared test data folder (read-only, never copied).
    static var data: String { "\(root)/../shared/data" }

    /// A new empty temporary folder.
    static func tempDir(_ name: String = "vigil-test") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct Output { let status: Int32; let stdout: String; let stderr: String }

    /// Runs a program to completion, capturing its output.
    @discardableResult
    static func run(_ program: String, _ args: [String], environment: [String: String]? = nil,
                    directory: String? = nil) throws -> Output {
        let child = try ChildProcess(program, args, environment: environment, directory: directory)
        let status = child.wait()
        return Output(status: status, stdout: child.stdout, stderr: child.stderr)
    }

    /// Builds a plugin package that lives outside vigil's own targets; returns its build folder.
    static func buildPackage(at path: String, name: String) throws -> String {
        let scratch = "\(root)/.build/fixtures/\(name)"
        let result = try run("/usr/bin/env", ["swift", "build", "--package-path", path, "--scratch-path", scratch])
        guard result.status == 0 else {
            throw NSError(domain: "build", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "building \(path) failed:\n\(result.stdout)\n\(result.stderr)"])
        }
        return "\(scratch)/debug"
    }

    /// PostgreSQL and Redis started by scripts/with-services.sh for this test run.
    static func services() throws -> (database: String, redis: String) {
        let env = ProcessInfo.processInfo.environment
        guard let db = env["DATABASE_URL"], let redis = env["REDIS_URL"] else {
            throw NSError(domain: "services", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "DATABASE_URL/REDIS_URL not set: run the tests with scripts/test.sh (it starts PostgreSQL and Redis)"])
        }
        return (db, redis)
    }

    /// Writes `text` to a new file and returns its path.
    static func write(_ text: String, to name: String, in dir: String) -> String {
        let path = "\(dir)/\(name)"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}
