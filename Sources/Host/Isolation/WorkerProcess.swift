import CWorker
import Foundation

/// How a worker ended.
package enum WorkerExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    package var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let s): return "signal \(s) (\(Self.name(s)))"
        }
    }

    static func name(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGILL: "SIGILL", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGKILL: "SIGKILL", SIGTRAP: "SIGTRAP", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGPIPE: "SIGPIPE"]
        return names[s] ?? "SIG\(s)"
    }
}

/// A `vigil plugin-worker` child: spawned with posix_spawn from vigil's own executable, its
/// control socket on descriptor 3, its stdout and stderr into a pipe vigil reads.
final class WorkerProcess: @unchecked Sendable {
    let pid: pid_t
    let control: WireChannel
    /// The read end of the worker's stdout and stderr.
    let output: FileHandle
    private let lock = NSLock()
    private var reaped = false

    private init(pid: pid_t, control: WireChannel, output: FileHandle) {
        self.pid = pid; self.control = control; self.output = output
    }

    /// Starts `executable plugin-worker arguments…`.
    static func spawn(executable: String, arguments: [String]) throws -> WorkerProcess {
        let (host, child) = try WireChannel.pair()
        var pipeFDs: [Int32] = [0, 0]
        guard cw_pipe(&pipeFDs) == 0 else { throw WireError.io("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_adddup2(&actions, child.fd, 3)
        let argv = ([executable, "plugin-worker"] + arguments).map { strdup($0) } + [nil]
        // Swift's crash backtracer would spend seconds symbolicating before the worker dies (and
        // bury the one-line reason under a backtrace): off, unless the operator chose otherwise.
        var environment = ProcessInfo.processInfo.environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        // Its own process group (a Ctrl-C meant for vigil must not kill its workers first) and
        // no blocked signals (whatever the spawning thread had).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw WireError.io("cannot start \(executable) plugin-worker: \(String(cString: strerror(rc)))")
        }
        return WorkerProcess(pid: pid, control: host, output: FileHandle(fileDescriptor: pipeFDs[0], closeOnDealloc: true))
    }

    /// Blocks until the worker has exited, and reaps it.
    func waitExit() -> WorkerExit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return .exited(-1) }
        }
        lock.lock(); reaped = true; lock.unlock()
        return (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
    }

    /// Signals the worker, unless it was already reaped (its pid may belong to another process by then).
    func kill(_ signal: Int32 = SIGKILL) {
        lock.lock(); defer { lock.unlock() }
        if !reaped { _ = Glibc.kill(pid, signal) }
    }
}
