import Foundation
import PluginAPI
import VigilIsolation
import VigilSupport
import VigilVision

/// A camera source read through OpenCV's VideoCapture (files, rtsp/http streams, image folders, globs).
package final class VisionSource: FrameSource {
    private let capture: OpaquePointer
    package let nominalFPS: Double
    let isLive: Bool
    private let name: String
    /// Shared frame memory to decode into (a camera with an isolated detector); nil: OpenCV's own.
    private let pool: FramePool?
    private var frameBytes = 0

    package init(_ source: String, pool: FramePool? = nil) throws {
        self.pool = pool
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
        if let pool { return try read(into: pool) }
        var err = [CChar](repeating: 0, count: 512)
        var frame: OpaquePointer?
        switch vv_capture_read(capture, &frame, &err, err.count) {
        case 1: return frame.map(VisionImage.wrap)
        case 0: return nil
        default: throw FrameSourceError(source: name, message: String(errorBuffer: err))
        }
    }

    /// Decodes straight into a slot of `pool` (a bigger frame than the slot takes a bigger slot);
    /// with every slot in use, decodes into OpenCV's own memory as without a pool.
    private func read(into pool: FramePool) throws -> Image? {
        var err = [CChar](repeating: 0, count: 512)
        var width: Int32 = 0, height: Int32 = 0
        // The last frame's size first; a bigger frame waits in the capture for a bigger slot.
        for _ in 0..<2 {
            guard let slot = pool.allocate(bytes: max(frameBytes, 1)) else { break }
            switch vv_capture_read_into(capture, slot.pointer.assumingMemoryBound(to: UInt8.self), slot.bytes,
                                        &width, &height, &err, err.count) {
            case 1: return pool.image(slot, width: Int(width), height: Int(height), format: .bgr8)
            case 0: pool.release(slot); return nil
            case -2: pool.release(slot); frameBytes = Int(width) * Int(height) * 3
            default:
                pool.release(slot)
                throw FrameSourceError(source: name, message: String(errorBuffer: err))
            }
        }
        // Every slot in use: OpenCV's own memory, as without a pool.
        var frame: OpaquePointer?
        switch vv_capture_read(capture, &frame, &err, err.count) {
        case 1: return frame.map(VisionImage.wrap)
        case 0: return nil
        default: throw FrameSourceError(source: name, message: String(errorBuffer: err))
        }
    }

    package func skip(_ count: Int) -> Int { Int(vv_capture_skip(capture, Int32(count))) }
}

/// Opens `VisionSource`s.
struct VisionSourceOpener: FrameSourceOpener {
    /// Shared frame memory to decode into, for a camera with an isolated detector.
    var pool: FramePool?
    func open(_ source: String) throws -> any FrameSource { try VisionSource(source, pool: pool) }
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

    /// Reads an image file (PNG, JPEG, … as OpenCV knows them) as BGR8.
    package static func read(path: String) throws -> Image {
        var err = [CChar](repeating: 0, count: 512)
        guard let frame = vv_image_read(path, &err, err.count) else {
            throw FrameSourceError(source: path, message: String(errorBuffer: err))
        }
        return wrap(frame)
    }

    /// Writes `image` as a PNG file.
    static func writePNG(_ image: Image, to path: String) throws {
        var err = [CChar](repeating: 0, count: 512)
        let status = vv_write_png(image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width),
                                  Int32(image.height), Int32(image.bytesPerRow), Int32(image.channels), path, &err, err.count)
        guard status == 0 else { throw FrameSourceError(source: path, message: String(errorBuffer: err)) }
    }
}
