import Foundation
import VigilRedis

/// A private redis-server for one test: a free loopback port, data in a temporary folder,
/// optionally a password. Tests kill it (SIGKILL, like a crash) and start it again on the same port.
final class RedisServer {
    let port: Int
    let password: String?
    let directory: String
    private(set) var pid: pid_t = 0

    init(password: String? = nil) throws {
        self.password = password
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `redis://[:password@]127.0.0.1:port/db`.
    func url(database: Int = 0, password: String? = nil) -> String {
        let secret = password ?? self.password
        return "redis://\(secret.map { ":\($0)@" } ?? "")127.0.0.1:\(port)/\(database)"
    }

    /// Starts redis-server as our child (posix_spawn, not daemonized) and waits until it answers PING.
    func start() throws {
        var args = ["redis-server", "--bind", "127.0.0.1", "--port", String(port), "--dir", directory,
                    "--logfile", "\(directory)/redis.log", "--save", "", "--appendonly", "no"]
        if let password { args += ["--requirepass", password] }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, "redis-server", &actions, nil, argv, environ)
        guard rc == 0 else {
            throw NSError(domain: "redis-server", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(rc))])
        }
        pid = child
        for _ in 0..<300 {
            if let conn = try? RedisConnection(host: "127.0.0.1", port: port, password: password, timeoutSeconds: 1),
               (try? conn.command(["PING"])) == .status("PONG") {
                return
            }
            usleep(20_000)
        }
        throw NSError(domain: "redis-server", code: 1, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start on \(port)"])
    }

    /// SIGKILL (like a crash) and reaps the process.
    func kill() {
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        pid = 0
    }

    /// A raw connection, for checking from outside the client under test.
    func raw(database: Int = 0) throws -> RedisConnection {
        try RedisConnection(host: "127.0.0.1", port: port, database: database, password: password)
    }

    /// A port nobody listens on right now (bound to 0 and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw NSError(domain: "port", code: Int(errno)) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
