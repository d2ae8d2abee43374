import CTesseract
import Foundation

/// The one wrapper around Tesseract's C API: owns a `TessBaseAPI` handle (freed in `deinit`) loaded
/// with one model. Not thread-safe: use an instance from one thread at a time. Its calls block, so
/// run them on a thread of your own, not on Swift's cooperative pool.
public final class TesseractOCR {
    /// Which of Tesseract's recognisers to use.
    public enum Engine: String, Sendable, CaseIterable {
        /// The legacy (Tesseract 3) character classifier: OpenALPR's per-region models need it.
        case legacy
        /// The LSTM line recogniser (Debian's `eng` has only this).
        case lstm
    }

    /// One alternative for a character, with Tesseract's confidence (0–100).
    public struct Choice: Sendable, Equatable {
        /// The character (one or more UTF-8 bytes).
        public let text: String
        /// Tesseract's confidence, 0–100.
        public let confidence: Float
        /// Creates a choice.
        public init(text: String, confidence: Float) { self.text = text; self.confidence = confidence }
    }

    /// A character found in a line: its best reading first, then the alternatives.
    public struct Symbol: Sendable, Equatable {
        /// The alternatives, best first (never empty).
        public let choices: [Choice]
        /// Left edge and width in the line image, pixels.
        public let x: Int, width: Int
    }

    /// The model's folder.
    public let dataPath: String
    /// The model's name (`<language>.traineddata`).
    public let language: String
    /// The recogniser in use.
    public let engine: Engine
    private let handle: OpaquePointer

    /// Loads `<dataPath>/<language>.traineddata` with `engine`; `whitelist` limits the characters
    /// read (e.g. "ABC…XYZ0123456789"). Throws an `OCRError` naming the folder and language.
    public init(dataPath: String, language: String, engine: Engine, whitelist: String? = nil) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataPath, isDirectory: &isFolder), isFolder.boolValue else {
            throw OCRError.folderMissing(folder: dataPath)
        }
        guard FileManager.default.fileExists(atPath: "\(dataPath)/\(language).traineddata") else {
            throw OCRError.languageMissing(folder: dataPath, language: language)
        }
        guard let handle = TessBaseAPICreate() else {
            throw OCRError.initFailed(folder: dataPath, language: language, engine: engine.rawValue)
        }
        let mode = engine == .legacy ? OEM_TESSERACT_ONLY : OEM_LSTM_ONLY
        guard TessBaseAPIInit2(handle, dataPath, language, mode) == 0 else {
            TessBaseAPIDelete(handle)
            throw OCRError.initFailed(folder: dataPath, language: language, engine: engine.rawValue)
        }
        self.handle = handle
        self.dataPath = dataPath; self.language = language; self.engine = engine
        // A bold character fills most of its box; by default Tesseract takes such a blob for noise.
        set("textord_noise_area_ratio", "1.0")
        if engine == .lstm { set("lstm_choice_mode", "2") }
        if let whitelist { set("tessedit_char_whitelist", whitelist) }
    }

    /// True when `<dataPath>/<language>.traineddata` holds a legacy (OEM 0) model: its component
    /// table has the character templates (`inttemp`). LSTM-only models (Debian's `eng`) do not.
    public static func hasLegacyModel(dataPath: String, language: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: "\(dataPath)/\(language).traineddata") else { return false }
        defer { try? file.close() }
        let header = [UInt8](file.readData(ofLength: 4 + 8 * 4))
        guard header.count == 36 else { return false }
        func int64(at offset: Int) -> Int64 {
            (0..<8).reduce(Int64(0)) { $0 | Int64(header[offset + $1]) << (8 * Int64($1)) }
        }
        let entries = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        return entries > 3 && int64(at: 4 + 8 * 3) >= 0
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// Reads one character from an 8-bit gray image (dark ink on a light background), page
    /// segmentation mode 10. Returns its alternatives best first; empty when Tesseract sees none.
    public func recognizeCharacter(_ pixels: UnsafePointer<UInt8>, width: Int, height: Int, bytesPerRow: Int) throws -> [Choice] {
        try setImage(pixels, width: width, height: height, bytesPerRow: bytesPerRow, mode: PSM_SINGLE_CHAR)
        guard TessBaseAPIRecognize(handle, nil) == 0, let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        return choices(at: iterator)
    }

    /// Reads one line of text from an 8-bit gray image, page segmentation mode 7: every character
    /// with its alternatives and confidences, left to right.
    public func recognizeLine(_ pixels: UnsafePointer<UInt8>, width: Int, height: Int, bytesPerRow: Int) throws -> [Symbol] {
        try setImage(pixels, width: width, height: height, bytesPerRow: bytesPerRow, mode: PSM_SINGLE_LINE)
        guard TessBaseAPIRecognize(handle, nil) == 0, let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        var symbols: [Symbol] = []
        repeat {
            let found = choices(at: iterator)
            guard !found.isEmpty else { continue }
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            TessPageIteratorBoundingBox(TessResultIteratorGetPageIteratorConst(iterator), RIL_SYMBOL, &left, &top, &right, &bottom)
            symbols.append(Symbol(choices: found, x: Int(left), width: Int(right - left)))
        } while TessResultIteratorNext(iterator, RIL_SYMBOL) != 0
        return symbols
    }

    private func setImage(_ pixels: UnsafePointer<UInt8>, width: Int, height: Int, bytesPerRow: Int, mode: TessPageSegMode) throws {
        guard width > 0, height > 0, width < 32_768, height < 32_768, bytesPerRow >= width else {
            throw OCRError.badImage("\(width)x\(height) pixels, \(bytesPerRow) bytes per row")
        }
        TessBaseAPISetPageSegMode(handle, mode)
        TessBaseAPISetImage(handle, pixels, Int32(width), Int32(height), 1, Int32(bytesPerRow))
        TessBaseAPISetSourceResolution(handle, 70)
    }

    /// The alternatives of the symbol at `iterator`. Tesseract asserts (and aborts the process) when
    /// asked for choices where it found no word, so the symbol's text is checked first.
    private func choices(at iterator: OpaquePointer) -> [Choice] {
        guard let text = TessResultIteratorGetUTF8Text(iterator, RIL_SYMBOL) else { return [] }
        let best = String(cString: text)
        TessDeleteText(text)
        var out: [Choice] = []
        if let choice = TessResultIteratorGetChoiceIterator(iterator) {
            repeat {
                if let c = TessChoiceIteratorGetUTF8Text(choice) {
                    out.append(Choice(text: String(cString: c), confidence: TessChoiceIteratorConfidence(choice)))
                }
            } while TessChoiceIteratorNext(choice) != 0
            TessChoiceIteratorDelete(choice)
        }
        if out.isEmpty, !best.isEmpty {
            out.append(Choice(text: best, confidence: TessResultIteratorConfidence(iterator, RIL_SYMBOL)))
        }
        return out
    }

    private func set(_ name: String, _ value: String) {
        _ = TessBaseAPISetVariable(handle, name, value)
    }
}
