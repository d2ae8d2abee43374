/// Why Tesseract could not be used or could not read an image. Each case names what failed.
public enum OCRError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The tessdata folder does not exist.
    case folderMissing(folder: String)
    /// The folder has no `<language>.traineddata`.
    case languageMissing(folder: String, language: String)
    /// Tesseract refused to load the model (e.g. a legacy engine asked of an LSTM-only model).
    case initFailed(folder: String, language: String, engine: String)
    /// An image Tesseract cannot take (empty, or too large).
    case badImage(String)

    public var description: String {
        switch self {
        case .folderMissing(let folder):
            return "tessdata folder \(folder) does not exist"
        case .languageMissing(let folder, let language):
            return "tessdata folder \(folder) has no \(language).traineddata (language \"\(language)\" is missing)"
        case .initFailed(let folder, let language, let engine):
            return "Tesseract could not load \(folder)/\(language).traineddata with the \(engine) engine "
                + "(an LSTM-only model such as Debian's eng has no legacy engine: use engine \"lstm\")"
        case .badImage(let why):
            return "Tesseract cannot read this image: \(why)"
        }
    }
}
