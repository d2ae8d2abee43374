import PluginAPI

/// Something a worker serves (a detector for one camera, or a sink): the supervisor opens it in
/// each new worker and tells it what happened to the worker.
protocol WorkerInstance: AnyObject, Sendable {
    var instanceID: Int { get }
    /// The `open` request's fields; a detector adds the worker's end of its frame socket (`fds`)
    /// and keeps the other end (`channel`).
    func openRequest() throws -> (fields: [(String, JSONValue)], fds: [Int32], channel: WireChannel?)
    /// Opened in worker `pid`: `reply` is the worker's answer.
    func attached(_ channel: WireChannel?, reply: WireMessage, pid: Int32)
    /// The worker is gone (`failure` says why; nil at shutdown).
    func detached(_ failure: WorkerFailure?)
    /// Open again in a new worker.
    func restarted()
    /// No more workers: the plugin failed too often.
    func disabled()
    /// A message from the worker for this instance (emit, release, log).
    func handle(_ message: WireMessage)
}

/// Why a worker went away.
enum WorkerFailure: Sendable {
    case crash(WorkerExit)
    case hang
}
