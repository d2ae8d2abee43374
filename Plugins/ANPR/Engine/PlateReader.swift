import PluginAPI
import VigilOCR
import VigilVision

/// One plate read on one picture.
struct PlateRead {
    /// The best text, its confidence (0–1) and its format's region.
    var text: String
    var confidence: Double
    var region: String
    /// The alternatives, best first (the best text included).
    var candidates: [PlateResolver.Candidate]
    /// Where the characters are, normalised.
    var box: Box
    /// How plate-like the best text is (see `PlateResolver.Candidate.rank`), to order the rows of a picture.
    var rank: Double
}

/// Finds and reads plates: VigilVision locates rows of characters, straightens and segments them;
/// Tesseract reads each character (legacy engine) or each segmented line (LSTM); the resolver turns
/// the reads into texts of the configured formats. Used from one thread at a time.
final class PlateReader {
    private let ocr: TesseractOCR
    private let resolver: PlateResolver
    private var locate = vv_plate_locate_config()
    private let maxCandidates: Int
    /// Mean character confidence (0–100) at which two binarisations agreeing on a text settle it.
    static let sureConfidence = 80.0

    init(ocr: TesseractOCR, resolver: PlateResolver, minCharHeight: Int, maxCharHeight: Int, maxCandidates: Int) {
        self.ocr = ocr; self.resolver = resolver; self.maxCandidates = maxCandidates
        vv_plate_locate_config_default(&locate)
        locate.min_char_height = Int32(minCharHeight)
        locate.max_char_height = Int32(maxCharHeight)
        // more rows than are read: some are the plate's small print or touch the picture's edge (RowFilter)
        locate.max_candidates = Int32(2 * max(maxCandidates, 1) + 4)
    }

    /// The plates in `image`, searched only inside `areas` (pixel rectangles; empty: everywhere),
    /// best first, one per text.
    func read(_ image: Image, areas: [(x: Int, y: Int, width: Int, height: Int)]) throws -> [PlateRead] {
        var rois = areas.flatMap { [Int32($0.x), Int32($0.y), Int32($0.width), Int32($0.height)] }
        var found = [vv_plate_candidate](repeating: vv_plate_candidate(), count: Int(locate.max_candidates))
        var err = [CChar](repeating: 0, count: 256)
        let n = rois.withUnsafeMutableBufferPointer { roi in
            vv_plate_locate(pixels(image), Int32(image.width), Int32(image.height), Int32(image.bytesPerRow), Int32(image.channels),
                            areas.isEmpty ? nil : roi.baseAddress, Int32(areas.count), &locate, &found, Int32(found.count),
                            &err, err.count)
        }
        guard n >= 0 else { throw PluginError("plate search failed: \(message(err))") }
        var reads: [PlateRead] = []
        let rows = found.prefix(Int(n)).map {
            RowFilter.Row(x: Double($0.x), y: Double($0.y), width: Double($0.width), height: Double($0.height), charHeight: Double($0.char_height))
        }
        let plausible = RowFilter.plausible(rows, pictureWidth: Double(image.width), pictureHeight: Double(image.height))
        for c in plausible.prefix(maxCandidates).map({ found[$0] }) {
            guard let read = try read(image, x: c.x, y: c.y, width: c.width, height: c.height, charHeight: c.char_height) else { continue }
            if let i = reads.firstIndex(where: { $0.text == read.text }) {
                if read.rank > reads[i].rank { reads[i] = read }
            } else {
                reads.append(read)
            }
        }
        return reads.sorted { $0.rank > $1.rank }
    }

    /// The plate inside a known plate box (pixels), or nil when no text fits a format.
    func read(_ image: Image, plateBox b: (x: Int, y: Int, width: Int, height: Int)) throws -> PlateRead? {
        try read(image, x: Int32(b.x), y: Int32(b.y), width: Int32(b.width), height: Int32(b.height), charHeight: 0)
    }

    private func read(_ image: Image, x: Int32, y: Int32, width: Int32, height: Int32, charHeight: Float) throws -> PlateRead? {
        var err = [CChar](repeating: 0, count: 256)
        guard let plate = vv_plate_prepare(pixels(image), Int32(image.width), Int32(image.height), Int32(image.bytesPerRow),
                                           Int32(image.channels), x, y, width, height, charHeight, &err, err.count) else {
            throw PluginError("plate preparation failed: \(message(err))")
        }
        defer { vv_plate_free(plate) }
        var perVariant: [[PlateResolver.Reading]] = []
        for variant in 0..<vv_plate_variant_count(plate) {
            let chars = ocr.engine == .legacy ? try characters(plate, variant) : try line(plate, variant)
            perVariant.append(resolver.readings(chars))
            // two binarisations reading the same text surely: the others could only confirm it
            if perVariant.count == 2, let a = perVariant[0].first, let b = perVariant[1].first, a.text == b.text,
               min(a.confidence, b.confidence) >= Self.sureConfidence { break }
        }
        let candidates = resolver.combine(perVariant)
        guard let best = candidates.first else { return nil }
        var corners = [Float](repeating: 0, count: 8)
        vv_plate_corners(plate, &corners)
        let xs = stride(from: 0, to: 8, by: 2).map { Double(corners[$0]) }, ys = stride(from: 1, to: 8, by: 2).map { Double(corners[$0]) }
        let w = Double(image.width), h = Double(image.height)
        let box = Box(x: xs.min()! / w, y: ys.min()! / h, width: (xs.max()! - xs.min()!) / w, height: (ys.max()! - ys.min()!) / h).clamped()
        return PlateRead(text: best.text, confidence: best.confidence, region: best.region, candidates: candidates, box: box,
                         rank: best.rank)
    }

    /// One Tesseract call per segmented character (page segmentation mode 10).
    private func characters(_ plate: OpaquePointer, _ variant: Int32) throws -> [CharacterRead] {
        var reads: [CharacterRead] = []
        for i in 0..<vv_plate_char_count(plate, variant) {
            var w: Int32 = 0, h: Int32 = 0, stride: Int32 = 0
            guard let px = vv_plate_char_image(plate, variant, i, &w, &h, &stride) else { continue }
            let choices = try ocr.recognizeCharacter(px, width: Int(w), height: Int(h), bytesPerRow: Int(stride))
            var read = CharacterRead(choices: choices.map { ($0.text, Double($0.confidence)) })
            // the legacy models read D, B and E on plates as 0, 8 and 3 (and back): the left side tells them apart
            if let top = read.choices.first, let shape = CharacterShape(pixels: px, width: Int(w), height: Int(h), bytesPerRow: Int(stride)),
               let other = shape.lookAlike(of: top.character) {
                read.prefer(other)
            }
            reads.append(read)
        }
        return reads
    }

    /// One Tesseract line call over the band's characters as they stand, frame removed (LSTM models).
    private func line(_ plate: OpaquePointer, _ variant: Int32) throws -> [CharacterRead] {
        let count = vv_plate_char_count(plate, variant)
        guard count > 0 else { return [] }
        var left = Int.max, right = 0, top = Int.max, bottom = 0
        for i in 0..<count {
            var b = [Int32](repeating: 0, count: 4)
            vv_plate_char_box(plate, variant, i, &b)
            left = min(left, Int(b[0])); right = max(right, Int(b[0] + b[2]))
            top = min(top, Int(b[1])); bottom = max(bottom, Int(b[1] + b[3]))
        }
        var w: Int32 = 0, h: Int32 = 0, stride: Int32 = 0
        guard let band = vv_plate_band_image(plate, variant, &w, &h, &stride), right > left, bottom > top else { return [] }
        // black ink on white with a white margin, as Tesseract expects a line of text
        let margin = 10, width = right - left + 2 * margin, height = bottom - top + 2 * margin
        var canvas = [UInt8](repeating: 255, count: width * height)
        for y in top..<bottom {
            for x in left..<right { canvas[(y - top + margin) * width + x - left + margin] = 255 - band[y * Int(stride) + x] }
        }
        let symbols = try canvas.withUnsafeBufferPointer { try ocr.recognizeLine($0.baseAddress!, width: width, height: height, bytesPerRow: width) }
        return symbols.map { CharacterRead(choices: $0.choices.map { ($0.text, Double($0.confidence)) }) }
    }

    private func pixels(_ image: Image) -> UnsafePointer<UInt8> { image.baseAddress.assumingMemoryBound(to: UInt8.self) }

    private func message(_ err: [CChar]) -> String { String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
}
