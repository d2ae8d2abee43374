import Foundation
import PluginAPI
import VigilSupport
import VigilVision

/// A camera source read through OpenCV's VideoCapture (files, rtsp/http streams, image folders, globs).
package final class VisionSource: FrameSource {
    private let capture: OpaquePointer
    let nominalFPS: Double
    let isLive: Bool
    private let name: String

    package init(_ source: String) throws {
        var err = [CChar](repeating: 0, count: 512)
        guard let capture = vv_capture_open(source, &err, err.count) else {
            throw FrameSourceError(source: source, message: String(errorBuffer: err))
        }
        self.capture = capture
        self.name = source
        nominalFPS = vv_capture_fps(capture)
        isLive = vv_capture_is_live(capture) != 0
    }

    deinit { vv_capture_close(capture) }

    package func read() throws -> Image? {
        var err = [CChar](repeating: 0, count: 512)
        var frame: OpaquePointer?
        switch vv_capture_read(capture, &frame, &err, err.count) {
        case 1: return frame.map(VisionImage.wrap)
        case 0: return nil
        default: throw FrameSourceError(source: name, message: String(errorBuffer: err))
        }
    }

    func skip(_ count: Int) -> Int { Int(vv_capture_skip(capture, Int32(count))) }
}

/// Opens `VisionSource`s.
struct VisionSourceOpener: FrameSourceOpener {
    func open(_ source: String) throws -> any FrameSource { try VisionSource(source) }
}

/// Bridges OpenCV frames and PNG files to PluginAPI's `Image`.
package enum VisionImage {
    /// Wraps a decoded frame without copying; the frame is released with the image.
    package static func wrap(_ frame: OpaquePointer) -> Image {
        nonisolated(unsafe) let owned = frame
        return Image(width: Int(vv_frame_width(frame)), height: Int(vv_frame_height(frame)),
                     bytesPerRow: Int(vv_frame_stride(frame)),
                     format: vv_frame_channels(frame) == 1 ? .gray8 : .bgr8,
                     baseAddress: UnsafeRawPointer(vv_frame_data(frame)!), release: { vv_frame_release(owned) })
    }

    /// Writes `image` as a PNG file.
    static func writePNG(_ image: Image, to path: String) throws {
        var err = [CChar](repeating: 0, count: 512)
        let status = vv_write_png(image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width),
                                  Int32(image.height), Int32(image.bytesPerRow), Int32(image.channels), path, &err, err.count)
        guard status == 0 else { throw FrameSourceError(source: path, message: String(errorBuffer: err)) }
    }
}
