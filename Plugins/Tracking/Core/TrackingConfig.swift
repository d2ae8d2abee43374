/// The tracking plugin's `config` in plugins.json, with its defaults (snake_case keys in JSON).
/// Every key is optional; README.md describes each.
struct TrackingConfig: Codable {
    /// hog, cascade, foreground or onnx.
    var backend = "hog"
    /// The class of what hog, cascade and foreground find; nil: "person" for hog, "object" otherwise
    /// (foreground blobs may get theirs from `foreground.classes`).
    var className: String?
    var hog = HOG()
    var cascade = Cascade()
    var foreground = Foreground()
    var onnx = ONNX()

    /// Ask the host for frames with motion only (when Motion runs before this detector); nil: yes,
    /// except for foreground, whose background model must see the still scene too.
    var motionOnly: Bool?
    /// With `motion_only`: still take a frame this often (seconds), so still objects are verified.
    var heartbeatSeconds = 2.0
    /// Detect only in Motion's regions (padded by `region_padding` of their size, merged).
    var useMotionRegions = true
    var regionPadding = 0.25

    var minHits = 3
    /// Box sizes a track must travel before it is confirmed; nil: 0.5 for foreground, 0 otherwise.
    var confirmTravel: Double?
    var maxAgeSeconds = 1.0
    var stationaryMaxAgeSeconds = 10.0
    var highThreshold = 0.5
    var lowThreshold = 0.1
    var newTrackThreshold = 0.6
    var iouThreshold = 0.2
    var maxCenterDistance = 1.0
    var stationarySeconds = 2.0
    var stationaryTolerance = 0.25
    var appearanceThreshold = 0.5

    /// bottom_center or center: the point of a box zones and lines look at.
    var anchor = "bottom_center"
    var updateDistance = 0.15
    var updateIntervalSeconds = 30.0
    var zoneFrames = 2
    var lineMargin = 0.02
    /// box (the frame with the box drawn), crop (the box's area) or none.
    var snapshot = "box"
    /// Leave the tracked boxes on the frame (`objects`) for the detectors after this one.
    var publishObjects = true

    struct HOG: Codable {
        /// default (64×128) or daimler (48×96).
        var detector = "default"
        var hitThreshold = -0.5
        var upscale = 1.5
        var scaleStep = 1.2
    }

    struct Cascade: Codable {
        var path = ""
        var scaleStep = 1.1
        var minNeighbors = 3
        /// [width, height] in pixels; [0, 0]: the cascade's own window.
        var minSize = [0, 0]
    }

    struct Foreground: Codable {
        /// mog2 or knn.
        var method = "mog2"
        var history = 500
        /// 0: the method's default (MOG2 16, KNN 400).
        var threshold = 0.0
        var shadows = true
        var workingHeight = 96
        var minArea = 0.0008
        var learningRate = -1.0
        var maxForeground = 0.5
        /// Size/shape rules naming blobs; the first that fits wins; none: `class_name`.
        var classes: [ClassRule] = []
    }

    /// A blob whose area (share of the frame) and aspect (width / height, in pixels) fit is `class_name`.
    /// Every key but `class_name` is optional (defaults: any size, any shape).
    struct ClassRule: Codable {
        var className: String
        var minArea = 0.0
        var maxArea = 1.0
        var minAspect = 0.0
        var maxAspect = 1000.0

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            className = try c.decode(String.self, forKey: .className)
            minArea = try c.decodeIfPresent(Double.self, forKey: .minArea) ?? minArea
            maxArea = try c.decodeIfPresent(Double.self, forKey: .maxArea) ?? maxArea
            minAspect = try c.decodeIfPresent(Double.self, forKey: .minAspect) ?? minAspect
            maxAspect = try c.decodeIfPresent(Double.self, forKey: .maxAspect) ?? maxAspect
        }
    }

    /// `motion_only` as it applies to this backend.
    var wantsMotionOnly: Bool { motionOnly ?? (backend != "foreground") }

    struct ONNX: Codable {
        var modelPath = ""
        var classNames: [String] = []
        /// [width, height] of the model's input.
        var inputSize = [640, 640]
        /// auto, yolov5 or yolov8.
        var layout = "auto"
        var confidenceThreshold = 0.25
        var nmsThreshold = 0.45
        /// Track only these classes; empty: all.
        var classes: [String] = []
    }

    /// The class given to detections of hog, cascade and unnamed foreground blobs.
    var defaultClassName: String { className ?? (backend == "hog" ? "person" : "object") }

    var trackerSettings: TrackerSettings {
        TrackerSettings(minHits: minHits, maxAgeSeconds: maxAgeSeconds, stationaryMaxAgeSeconds: stationaryMaxAgeSeconds,
                        highThreshold: highThreshold, lowThreshold: lowThreshold, newTrackThreshold: newTrackThreshold,
                        iouThreshold: iouThreshold, maxCenterDistance: maxCenterDistance, stationarySeconds: stationarySeconds,
                        stationaryTolerance: stationaryTolerance, appearanceThreshold: appearanceThreshold,
                        confirmTravel: confirmTravel ?? (backend == "foreground" ? 0.5 : 0),
                        detectorSeesStill: backend != "foreground")
    }

    var reporterSettings: TrackReporter.Settings {
        TrackReporter.Settings(bottomAnchor: anchor == "bottom_center", updateDistance: updateDistance,
                               updateIntervalSeconds: updateIntervalSeconds, zoneFrames: zoneFrames)
    }
}
