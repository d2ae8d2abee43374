/// The ANPR plugin's `config` in plugins.json, with its defaults (snake_case keys in JSON).
struct ANPRConfig: Codable {
    /// Folder holding the Tesseract model `<language>.traineddata`.
    var tessdataDir = "/usr/share/tesseract-ocr/5/tessdata"
    /// The model: Debian's `eng`, or a per-region character model such as OpenALPR's `lus`.
    var language = "eng"
    /// "auto" (legacy one-character engine when the model has it, else LSTM lines), "legacy" or "lstm".
    var engine = "auto"
    /// Plate formats accepted: any of "us", "eu", "br", "mercosur", "gb". The matching format names the event's region.
    var regions = ["us"]
    /// Extra formats as regular expressions over the plate without spaces (uppercase), region "custom".
    var patterns: [String] = []
    /// Character heights searched for, pixels of the frame.
    var minCharHeight = 10
    /// Largest character height searched for, pixels.
    var maxCharHeight = 110
    /// Where to look, normalised [x, y, width, height]; nil: the whole frame.
    var regionOfInterest: [Double]?
    /// Look only around the moving areas a motion detector earlier in the chain found (else the whole frame).
    var useMotionRegions = true
    /// Look only inside vehicle boxes a detector earlier in the chain found, when there are any.
    var useObjects = true
    /// The object classes that carry plates.
    var objectClasses = ["car", "truck", "bus", "motorcycle", "motorbike", "vehicle"]
    /// Plate candidates read per frame (best first).
    var maxCandidates = 3
    /// Alternatives reported per plate (`candidates` in the event).
    var topN = 5
    /// Reads below this confidence (0–1) are ignored.
    var minConfidence = 0.3
    /// A vehicle pass ends when its plate has not been read for this many seconds…
    var passGapSeconds = 2.0
    /// …or once it has lasted this long.
    var maxPassSeconds = 10.0
    /// The same plate is not reported again within this many seconds.
    var cooldownSeconds = 60.0
    /// Known plates and their labels, e.g. {"ABC123": "staff car"}.
    var knownPlates: [String: String] = [:]
    /// A CSV file of `plate,label` lines, relative to the instance's state folder (or absolute).
    var knownPlatesFile = "known_plates.csv"
    /// A read matches a known plate when at most this many characters differ (edit distance).
    var maxEditDistance = 1
    /// Frames waiting for the reader thread; when full the oldest waiting frame is dropped.
    var queueSize = 2
    /// Only frames on which a motion detector earlier in the chain saw motion.
    var motionOnly = true
    /// Attach the frame of the best read as the event's snapshot.
    var snapshot = true
}
