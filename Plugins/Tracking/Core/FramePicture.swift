import PluginAPI
import VigilVision

/// Reads and draws on frames for the tracker: appearance patches of boxes, and snapshot pictures
/// (the frame with a box drawn, or the box's area cut out).
struct FramePicture: AppearanceProbe {
    /// Side of the grey appearance patches compared for still objects.
    static let patchSize = 16
    let image: Image

    func patch(_ box: Box) -> [Float]? {
        var out = [Float](repeating: 0, count: Self.patchSize * Self.patchSize)
        let status = vv_patch_gray(image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width), Int32(image.height),
                                   Int32(image.bytesPerRow), Int32(image.channels), Float(box.x), Float(box.y),
                                   Float(box.width), Float(box.height), Int32(Self.patchSize), &out)
        return status == 0 ? out : nil
    }

    /// A copy of the frame with `box` drawn in green and `label` above it.
    func withBox(_ box: Box, label: String) -> Image {
        let rowBytes = image.width * image.channels
        var bytes = [UInt8](repeating: 0, count: rowBytes * image.height)
        bytes.withUnsafeMutableBytes { out in
            for y in 0..<image.height { out.baseAddress!.advanced(by: y * rowBytes).copyMemory(from: image.row(y).baseAddress!, byteCount: rowBytes) }
            vv_draw_box(out.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(image.width), Int32(image.height), Int32(rowBytes),
                        Int32(image.channels), Float(box.x), Float(box.y), Float(box.width), Float(box.height), label)
        }
        return Image(copying: bytes, width: image.width, height: image.height, format: image.format)
    }

    /// The area of `box` grown by 10 % on each side, cut out of the frame; nil when it is empty.
    func crop(_ box: Box) -> Image? {
        let r = box.padded(by: 0.1).pixels(frameWidth: image.width, frameHeight: image.height)
        guard r.width > 0, r.height > 0 else { return nil }
        let rowBytes = r.width * image.channels
        var bytes = [UInt8](repeating: 0, count: rowBytes * r.height)
        bytes.withUnsafeMutableBytes { out in
            for y in 0..<r.height {
                let source = image.row(r.y + y).baseAddress!.advanced(by: r.x * image.channels)
                out.baseAddress!.advanced(by: y * rowBytes).copyMemory(from: source, byteCount: rowBytes)
            }
        }
        return Image(copying: bytes, width: r.width, height: r.height, format: image.format)
    }
}
