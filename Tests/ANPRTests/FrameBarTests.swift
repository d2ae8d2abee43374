import PluginAPI
import VigilOCR
import VigilVision
import XCTest
@testable import ANPREngine

/// A plate in a dealer's frame whose dark bottom bar, lettered in white, touches the characters'
/// bottoms (as on many Californian cars): the characters join the bar and each other through it, so no
/// row of separate blobs shows, and the band of rows crossed by many strokes spans the lettering too.
final class FrameBarTests: XCTestCase {
    let text = "7ABC123"
    let width = 960, height = 540

    func testCharactersStandingOnAFramesBarAreCutApartFromIt() throws {
        let (pixels, box) = try barredPlate()
        var err = [CChar](repeating: 0, count: 256)
        let plate = try XCTUnwrap(vv_plate_prepare(pixels, Int32(width), Int32(height), Int32(width * 3), 3,
                                                   box[0], box[1], box[2], box[3], 0, &err, err.count), String(cString: err))
        defer { vv_plate_free(plate) }
        XCTAssertEqual(vv_plate_variant_count(plate), 4, "no text line found")
        for variant in 0..<vv_plate_variant_count(plate) {
            XCTAssertEqual(vv_plate_char_count(plate, variant), Int32(text.count), "variant \(variant)")
        }
    }

    func testThatPlateIsReadExactlyInItsBox() throws {
        let (pixels, box) = try barredPlate()
        let image = Image(copying: pixels, width: width, height: height, format: .bgr8)
        let ocr = try TesseractOCR(dataPath: ANPRTestSupport.openALPRTessdata, language: "lus", engine: .legacy,
                                   whitelist: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let reader = PlateReader(ocr: ocr, resolver: PlateResolver(formats: PlateFormat.builtIn("us")!), minCharHeight: 10,
                                 maxCharHeight: 110, maxCandidates: 3)
        let read = try reader.read(image, plateBox: (x: Int(box[0]), y: Int(box[1]), width: Int(box[2]), height: Int(box[3])))
        XCTAssertEqual(read?.text, text)
    }

    /// The rendered scene (BGR) with the frame's bar drawn over the plate's lower part from one row above
    /// the characters' bottoms, 24 light strokes of lettering on it; and the plate's box.
    private func barredPlate() throws -> (pixels: [UInt8], box: [Int32]) {
        var config = vv_plate_scene_config(width: Int32(width), height: Int32(height), plate_width: 300, aspect: 2.0,
                                           angle: 0, blur: 0.8, noise: 4, seed: 7)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var box = [Int32](repeating: 0, count: 4)
        var err = [CChar](repeating: 0, count: 256)
        XCTAssertEqual(vv_plate_render_scene(text, &config, &pixels, &box, &err, err.count), 0, String(cString: err))
        let (x0, y0, w, h) = (Int(box[0]), Int(box[1]), Int(box[2]), Int(box[3]))
        func green(_ x: Int, _ y: Int) -> UInt8 { pixels[(y * width + x) * 3 + 1] }
        func paint(_ xs: Range<Int>, _ ys: Range<Int>, _ level: UInt8) {
            for y in ys { for x in xs { for c in 0..<3 { pixels[(y * width + x) * 3 + c] = level } } }
        }
        // the characters' bottom: the lowest dark row inside the plate's frame
        var bottom = 0
        for y in (y0 + h / 10)..<(y0 + h * 9 / 10) where (x0 + w / 10..<x0 + w * 9 / 10).contains(where: { green($0, y) < 100 }) {
            bottom = y
        }
        XCTAssertGreaterThan(bottom, y0 + h / 2, "characters not found in the rendered plate")
        let barTop = bottom - 1, barHeight = y0 + h - barTop
        paint(x0..<(x0 + w), barTop..<(y0 + h), 35)
        for i in 0..<24 {
            let x = x0 + w / 8 + i * w * 3 / 4 / 24
            paint(x..<(x + max(2, w / 100)), (barTop + barHeight * 3 / 10)..<(barTop + barHeight * 7 / 10), 235)
        }
        return (pixels, box)
    }
}
