import PluginAPI
import VigilVision

/// The detection backend of one camera: owns the C detector (`vv_detector`, VigilVision) and is the
/// only place that calls it. Turns its results into normalised boxes with class names.
final class ObjectDetector {
    /// What one call found, and where it looked (nil: the whole frame).
    struct Result {
        var detections: [Detection]
        var searched: [Box]?
    }

    private let handle: OpaquePointer
    private let config: TrackingConfig
    /// The class name of each class index (onnx: the model's classes; else one name).
    private let classNames: [String]
    private let wanted: Set<String>
    private var buffer = [vv_detection](repeating: vv_detection(), count: 512)
    private var areas = [Float](repeating: 0, count: 4 * 64)
    /// What produced the boxes: `model_info` of the events.
    let modelType: String
    let modelVersion: String

    /// Creates the backend `config.backend` and loads its files. Throws a `PluginError` naming
    /// the setting under `path` (e.g. `detectors[1].config.cascade.path: … is not a Haar or LBP cascade XML`).
    init(config: TrackingConfig, path: String) throws {
        self.config = config
        var c = vv_detector_config()
        vv_detector_config_default(&c)
        c.region_padding = config.regionPadding
        switch config.backend {
        case "cascade":
            c.backend = Int32(VV_DETECT_CASCADE.rawValue)
            c.cascade_scale_step = config.cascade.scaleStep
            c.cascade_min_neighbors = Int32(clamping: config.cascade.minNeighbors)
            c.cascade_min_width = Int32(clamping: config.cascade.minSize[0])
            c.cascade_min_height = Int32(clamping: config.cascade.minSize[1])
        case "foreground":
            let f = config.foreground
            c.backend = Int32(VV_DETECT_FOREGROUND.rawValue)
            c.fg_knn = f.method == "knn" ? 1 : 0
            c.fg_history = Int32(clamping: f.history)
            c.fg_threshold = f.threshold
            c.fg_shadows = f.shadows ? 1 : 0
            c.fg_working_height = Int32(clamping: f.workingHeight)
            c.fg_min_area = f.minArea
            c.fg_learning_rate = f.learningRate
            c.fg_max_foreground = f.maxForeground
        case "onnx":
            let o = config.onnx
            c.backend = Int32(VV_DETECT_ONNX.rawValue)
            c.onnx_input_width = Int32(clamping: o.inputSize[0])
            c.onnx_input_height = Int32(clamping: o.inputSize[1])
            c.onnx_class_count = Int32(clamping: o.classNames.count)
            c.onnx_layout = o.layout == "yolov5" ? 5 : o.layout == "yolov8" ? 8 : 0
            c.onnx_confidence = o.confidenceThreshold
            c.onnx_nms = o.nmsThreshold
        default:
            c.backend = Int32(VV_DETECT_HOG.rawValue)
            c.hog_daimler = config.hog.detector == "daimler" ? 1 : 0
            c.hog_hit_threshold = config.hog.hitThreshold
            c.hog_upscale = config.hog.upscale
            c.hog_scale_step = config.hog.scaleStep
        }
        var err = [CChar](repeating: 0, count: 1024)
        let created: OpaquePointer? = config.cascade.path.withCString { cascade in
            config.onnx.modelPath.withCString { model in
                c.cascade_path = cascade
                c.onnx_path = model
                return vv_detector_create(&c, &err, err.count)
            }
        }
        guard let created else {
            let message = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let key = message.hasPrefix("region_padding") ? "" : "\(config.backend)."
            throw PluginError("\(path).\(key)\(message)")
        }
        handle = created
        switch config.backend {
        case "onnx":
            classNames = config.onnx.classNames
            let layout = vv_detector_onnx_layout(created) == 5 ? "YOLOv5" : "YOLOv8"
            modelType = "onnx"
            modelVersion = "\(Self.fileName(config.onnx.modelPath)) (\(layout) layout, \(classNames.count) classes)"
        case "cascade":
            classNames = [config.defaultClassName]
            modelType = "cascade"
            modelVersion = Self.fileName(config.cascade.path)
        case "foreground":
            classNames = [config.defaultClassName]
            modelType = "foreground"
            modelVersion = "\(config.foreground.method.uppercased()) background subtraction"
        default:
            classNames = [config.defaultClassName]
            modelType = "hog"
            modelVersion = config.hog.detector == "daimler" ? "OpenCV Daimler people detector (48x96)"
                : "OpenCV default people detector (64x128)"
        }
        wanted = Set(config.onnx.classes)
    }

    deinit { vv_detector_free(handle) }

    /// Detects objects on `image`, only in `regions` (normalised) when given.
    func detect(_ image: Image, regions: [Box]?) throws -> Result {
        var err = [CChar](repeating: 0, count: 512)
        let flat = (regions ?? []).flatMap { [Float($0.x), Float($0.y), Float($0.width), Float($0.height)] }
        let count = flat.withUnsafeBufferPointer { r in
            buffer.withUnsafeMutableBufferPointer { out in
                vv_detector_detect(handle, image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width),
                                   Int32(image.height), Int32(image.bytesPerRow), Int32(image.channels),
                                   r.baseAddress, Int32(regions?.count ?? 0), out.baseAddress, Int32(out.count), &err, err.count)
            }
        }
        guard count >= 0 else {
            throw PluginError("detection failed: \(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        var detections: [Detection] = []
        for d in buffer.prefix(Int(count)) {
            let index = Int(d.class_id)
            guard index >= 0, index < classNames.count else { continue }
            let box = Box(x: Double(d.x), y: Double(d.y), width: Double(d.width), height: Double(d.height))
            guard let name = className(index: index, box: box, frameAspect: Double(image.width) / Double(max(image.height, 1))) else { continue }
            detections.append(Detection(box: box, confidence: Double(d.confidence), className: name))
        }
        let searchedCount = Int(vv_detector_searched(handle, &areas, Int32(areas.count / 4)))
        let searched = (0..<min(searchedCount, areas.count / 4)).map {
            Box(x: Double(areas[$0 * 4]), y: Double(areas[$0 * 4 + 1]), width: Double(areas[$0 * 4 + 2]), height: Double(areas[$0 * 4 + 3]))
        }
        let whole = searched.count == 1 && searched[0].area > 0.999
        return Result(detections: detections, searched: whole ? nil : searched)
    }

    /// Foreground backend: boxes of still objects the background model must not learn.
    func freeze(_ boxes: [Box]) {
        let flat = boxes.flatMap { [Float($0.x), Float($0.y), Float($0.width), Float($0.height)] }
        vv_detector_set_frozen(handle, flat, Int32(boxes.count))
    }

    /// The class of a detection: the model's (onnx, filtered by `onnx.classes`), the first fitting
    /// foreground rule, or the configured name; nil when it is not wanted.
    private func className(index: Int, box: Box, frameAspect: Double) -> String? {
        let name = classNames[index]
        if config.backend == "onnx" { return wanted.isEmpty || wanted.contains(name) ? name : nil }
        guard config.backend == "foreground", !config.foreground.classes.isEmpty else { return name }
        let area = box.area, aspect = box.width * frameAspect / max(box.height, 1e-9)
        let rule = config.foreground.classes.first {
            (($0.minArea)...($0.maxArea)).contains(area) && (($0.minAspect)...($0.maxAspect)).contains(aspect)
        }
        return rule?.className ?? name
    }

    private static func fileName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}
