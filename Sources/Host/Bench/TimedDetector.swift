import Foundation
import PluginAPI

/// Wraps a detector to time its calls from outside (wall time inside `process`), keeping its
/// frame interest so the chain gates it as it would the detector itself.
final class TimedDetector: SelectiveDetector {
    private let inner: any Detector
    let frameInterest: FrameInterest
    /// Calls made, and the wall time each took, in seconds.
    private(set) var durations: [Double] = []

    init(_ inner: any Detector) {
        self.inner = inner
        frameInterest = (inner as? SelectiveDetector)?.frameInterest ?? .everyFrame
    }

    func process(_ frame: Frame) throws -> [Event] {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { durations.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try inner.process(frame)
    }

    func finish() -> [Event] { inner.finish() }
}
