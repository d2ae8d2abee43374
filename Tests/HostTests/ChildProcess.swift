import Foundation

/// A child process started with posix_spawn and reaped with waitpid: the tests' own, because
/// Foundation's Process can miss a child's exit after another child was killed (waitUntilExit hangs).
final class ChildProcess {
    let pid: pid_t
    /// Files receiving the child's stdout and stderr.
    let stdoutPath: String, stderrPath: String
    private var status: Int32?

    init(_ program: String, _ args: [String], environment: [String: String]? = nil, directory: String? = nil) throws {
        let dir = TestSupport.tempDir("child")
        stdoutPath = "\(dir)/stdout"; stderrPath = "\(dir)/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = (environment.map { ProcessInfo.processInfo.environment.merging($0) { _, n in n } }
            ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        // A working directory goes through `env -C` (posix_spawn's chdir action is not exposed to Swift).
        let command = directory.map { ["/usr/bin/env", "-C", $0, program] } ?? [program]
        let argv = (command + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        // The child starts with no signal blocked and default handlers: a test running on a
        // dispatch or cooperative-pool thread (which block most signals) must not pass that on,
        // or the child ignores the SIGTERM a test sends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw NSError(domain: "spawn", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot start \(program): \(String(cString: strerror(rc)))"])
        }
        self.pid = pid
    }

    /// True until the child has exited (reaps it when it has).
    var isRunning: Bool {
        guard status == nil else { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s; return false }
        return true
    }

    /// Waits for the child; returns its exit code (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        if status == nil {
            var s: Int32 = 0
            while waitpid(pid, &s, 0) == -1 && errno == EINTR {}
            status = s
        }
        let s = status!
        return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
    }

    func signal(_ sig: Int32) { if isRunning { kill(pid, sig) } }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}
