import Foundation
import XCTest

/// Faults produced from outside, as a user meets them: servers stopped and started, a small full disk.
enum Faults {
    /// `scripts/services.sh ACTION` on the test run's servers (stop-pg, start-pg, stop-redis, start-redis).
    /// `check` false: for clean-ups, where the server may be in that state already.
    static func services(_ action: String, check: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try XCTUnwrap(ProcessInfo.processInfo.environment["VIGIL_SERVICES_DIR"],
                                "run the tests with scripts/test.sh (VIGIL_SERVICES_DIR)")
        let r = try TestSupport.run("/bin/bash", ["\(TestSupport.root)/scripts/services.sh", action, dir])
        if check { XCTAssertEqual(r.status, 0, "services.sh \(action): \(r.stderr)", file: file, line: line) }
    }

    /// `redis-cli ARGS…` against the test's Redis.
    @discardableResult
    static func redisCLI(_ args: [String]) throws -> String {
        let url = URLComponents(string: try TestSupport.services().redis)!
        let r = try TestSupport.run("/usr/bin/redis-cli", ["-h", url.host!, "-p", String(url.port!)] + args)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The test PostgreSQL's port.
    static func postgresPort() throws -> Int { URLComponents(string: try TestSupport.services().database)!.port! }
}

/// A small tmpfs (root only): a disk that fills up. Unmounted by `unmount()`.
final class SmallDisk {
    let path: String

    /// Mounts `size` (e.g. "2m") at a new folder; skips the test when mounting is not allowed.
    init(size: String) throws {
        path = TestSupport.tempDir("tmpfs")
        let r = try TestSupport.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        guard r.status == 0 else { throw XCTSkip("cannot mount a tmpfs (needs root): \(r.stderr)") }
    }

    /// Free bytes.
    var free: Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    /// Fills the disk with `filler` until a write fails, then gives `leaving` bytes back.
    func fill(leaving: Int = 0) {
        let fd = open("\(path)/filler", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x41, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        if leaving > 0 {
            var st = stat()
            fstat(fd, &st)
            ftruncate(fd, max(0, off_t(Int(st.st_size) - leaving)))
        }
    }

    /// Deletes the filler.
    func empty() { unlink("\(path)/filler") }

    func unmount() { _ = try? TestSupport.run("/bin/umount", ["-l", path]) }
}

/// Runs `body` on a thread of its own; `wait(seconds)` says whether it finished in time (a hang
/// fails the test instead of stopping the suite).
final class Background: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        Thread { [done] in body(); done.signal() }.start()
    }

    /// True when the body returned within `seconds`.
    func wait(_ seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}
