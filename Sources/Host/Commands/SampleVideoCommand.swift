import ArgumentParser
import Foundation
import VigilSupport
import VigilVision

/// `vigil sample-video PATH`: a short clip of moving shapes over a still, textured scene, for
/// running vigil where no real video is at hand.
struct SampleVideoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-video", abstract: "Write a short clip of moving shapes (MJPG .avi).")

    @Argument(help: "Where to write the .avi file.") var path: String
    @Option(help: "Length in seconds.") var seconds = 12
    @Option(help: "Frames per second.") var fps = 10

    func run() throws {
        let width = 640, height = 360
        var err = [CChar](repeating: 0, count: 256)
        guard let writer = vv_writer_open(path, Int32(width), Int32(height), Double(fps), &err, err.count) else {
            throw ValidationError(String(errorBuffer: err))
        }
        defer { vv_writer_close(writer) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for n in 0..<(seconds * fps) {
            SyntheticScene.draw(into: &pixels, width: width, height: height, frame: n, fps: fps)
            _ = vv_writer_write(writer, pixels, Int32(width * 3))
        }
        print("wrote \(path): \(seconds * fps) frames, \(width)x\(height), \(fps) fps")
    }
}

/// A still background (gentle gradient and grid) with shapes that cross it in turns, with quiet gaps.
enum SyntheticScene {
    static func draw(into pixels: inout [UInt8], width: Int, height: Int, frame: Int, fps: Int) {
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let grid: UInt8 = (x % 40 == 0 || y % 40 == 0) ? 30 : 0
                pixels[i] = UInt8(60 + y / 8) &+ grid; pixels[i + 1] = UInt8(70 + x / 16) &+ grid; pixels[i + 2] = 80 &+ grid
            }
        }
        let t = Double(frame) / Double(fps)
        let cycle = t.truncatingRemainder(dividingBy: 6)   // 4 s crossing, 2 s quiet
        guard cycle < 4 else { return }
        let progress = cycle / 4
        let box = 70
        let x0 = Int(progress * Double(width + box)) - box
        let y0 = (Int(t / 6) % 2 == 0) ? height / 3 : height / 2
        fill(&pixels, width: width, height: height, x: x0, y: y0, w: box, h: box, bgr: (40, 200, 240))
        fill(&pixels, width: width, height: height, x: width - x0 - box / 2, y: height - y0 - box / 2, w: box / 2, h: box / 2, bgr: (230, 90, 60))
    }

    static func fill(_ pixels: inout [UInt8], width: Int, height: Int, x: Int, y: Int, w: Int, h: Int, bgr: (UInt8, UInt8, UInt8)) {
        let xs = max(0, x), xe = min(width, x + w), ys = max(0, y), ye = min(height, y + h)
        guard xs < xe, ys < ye else { return }
        for yy in ys..<ye {
            for xx in xs..<xe {
                let i = (yy * width + xx) * 3
                pixels[i] = bgr.0; pixels[i + 1] = bgr.1; pixels[i + 2] = bgr.2
            }
        }
    }
}
