import Foundation
import PluginAPI
import VigilPipeline
import VigilVision

/// Frames for tests: decoded from a video or image file with the same OpenCV code vigil's cameras
/// use, or drawn. Timestamps start at `start` and advance by 1/fps.
public enum TestFrames {
    /// The frames of a video file (or a stream, an image folder, a glob), read lazily.
    public static func video(_ path: String, cameraID: String = "camera-01", fps: Double? = nil, limit: Int? = nil,
                             start: Timestamp = Timestamp(secondsSince1970: 1_700_000_000)) throws -> VideoFrames {
        VideoFrames(source: try VisionSource(path), cameraID: cameraID, fps: fps, limit: limit, start: start)
    }

    /// One frame from an image file (JPEG, PNG…), BGR.
    public static func image(_ path: String, cameraID: String = "camera-01", number: Int = 0,
                             timestamp: Timestamp = Timestamp(secondsSince1970: 1_700_000_000)) throws -> Frame {
        var err = [CChar](repeating: 0, count: 512)
        guard let decoded = vv_image_read(path, &err, err.count) else {
            throw PluginError("\(path): \(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        return Frame(cameraID: cameraID, number: number, timestamp: timestamp, image: VisionImage.wrap(decoded),
                     annotations: FrameAnnotations())
    }

    /// `count` frames of `width` × `height` drawn by `draw(frameIndex, canvas)` on a black canvas.
    public static func drawn(count: Int, width: Int = 320, height: Int = 240, fps: Double = 10, cameraID: String = "camera-01",
                             start: Timestamp = Timestamp(secondsSince1970: 1_700_000_000),
                             draw: (Int, inout Canvas) -> Void) -> [Frame] {
        (0..<count).map { i in
            var canvas = Canvas(width: width, height: height)
            draw(i, &canvas)
            return Frame(cameraID: cameraID, number: i, timestamp: start.adding(seconds: Double(i) / fps),
                         image: Image(copying: canvas.pixels, width: width, height: height, format: .bgr8),
                         annotations: FrameAnnotations())
        }
    }
}

/// A picture to draw test frames on: BGR, black to start with.
public struct Canvas: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// BGR bytes, rows tightly packed.
    public var pixels: [UInt8]

    /// A black canvas.
    public init(width: Int, height: Int) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// Fills the rectangle (pixels, clipped to the canvas) with a colour given as red, green, blue.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, red: UInt8, green: UInt8, blue: UInt8) {
        for row in max(y, 0)..<min(y + h, height) {
            for col in max(x, 0)..<min(x + w, width) {
                let o = (row * width + col) * 3
                pixels[o] = blue; pixels[o + 1] = green; pixels[o + 2] = red
            }
        }
    }

    /// Fills the whole canvas with one grey level.
    public mutating func fill(gray: UInt8) { pixels = [UInt8](repeating: gray, count: pixels.count) }

    /// Fills the box (normalised 0–1) with a colour.
    public mutating func fill(_ box: Box, red: UInt8, green: UInt8, blue: UInt8) {
        let p = box.pixels(frameWidth: width, frameHeight: height)
        fill(x: p.x, y: p.y, width: p.width, height: p.height, red: red, green: green, blue: blue)
    }
}

/// The frames of a video, decoded one at a time as the sequence is walked (once).
public struct VideoFrames: Sequence, IteratorProtocol {
    let source: VisionSource
    let cameraID: String
    let fps: Double
    let limit: Int?
    let start: Timestamp
    var number = 0

    init(source: VisionSource, cameraID: String, fps: Double?, limit: Int?, start: Timestamp) {
        self.source = source; self.cameraID = cameraID; self.limit = limit; self.start = start
        self.fps = fps ?? (source.nominalFPS > 0 ? source.nominalFPS : 25)
    }

    /// The next decoded frame; nil at the end (or at `limit`, or on a decoding error).
    public mutating func next() -> Frame? {
        if let limit, number >= limit { return nil }
        guard let image = try? source.read() else { return nil }
        defer { number += 1 }
        return Frame(cameraID: cameraID, number: number, timestamp: start.adding(seconds: Double(number) / fps), image: image,
                     annotations: FrameAnnotations())
    }
}
