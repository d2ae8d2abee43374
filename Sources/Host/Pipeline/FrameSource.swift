import PluginAPI

/// Frames from one camera source (file, stream, image folder). Used by one thread.
protocol FrameSource: AnyObject {
    /// Frames per second the source declares (0 when unknown).
    var nominalFPS: Double { get }
    /// True for network streams: they are retried when they drop, never "finished".
    var isLive: Bool { get }
    /// The next frame, or nil at the end of the source.
    func read() throws -> Image?
    /// Skips up to `count` frames without decoding them fully; returns how many were skipped.
    func skip(_ count: Int) -> Int
}

/// Opens camera sources; the OpenCV one in production.
protocol FrameSourceOpener: Sendable {
    func open(_ source: String) throws -> any FrameSource
}

/// Why a source failed, naming it.
struct FrameSourceError: Error, CustomStringConvertible {
    let source: String
    let message: String
    var description: String { "\(source): \(message)" }
}
