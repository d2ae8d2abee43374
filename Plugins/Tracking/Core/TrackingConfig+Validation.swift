import PluginAPI

extension TrackingConfig {
    /// Checks what the C detector does not: choices spelt right and ranges of the tracker's
    /// settings. Throws a `PluginError` naming the JSON path under `path` and what was expected.
    func validate(path: String) throws {
        func fail(_ key: String, _ expected: String) -> PluginError { PluginError("\(path).\(key): \(expected)") }
        guard ["hog", "cascade", "foreground", "onnx"].contains(backend) else {
            throw fail("backend", "expected hog, cascade, foreground or onnx, found \"\(backend)\"")
        }
        if let className, className.isEmpty || className.utf8.count > 100 { throw fail("class_name", "expected 1 to 100 characters") }
        guard ["default", "daimler"].contains(hog.detector) else { throw fail("hog.detector", "expected default or daimler") }
        guard ["mog2", "knn"].contains(foreground.method) else { throw fail("foreground.method", "expected mog2 or knn") }
        guard ["auto", "yolov5", "yolov8"].contains(onnx.layout) else { throw fail("onnx.layout", "expected auto, yolov5 or yolov8") }
        guard ["bottom_center", "center"].contains(anchor) else { throw fail("anchor", "expected bottom_center or center") }
        guard ["box", "crop", "none"].contains(snapshot) else { throw fail("snapshot", "expected box, crop or none") }
        guard cascade.minSize.count == 2 else { throw fail("cascade.min_size", "expected [width, height]") }
        guard onnx.inputSize.count == 2 else { throw fail("onnx.input_size", "expected [width, height]") }
        if backend == "onnx" {
            guard !onnx.classNames.isEmpty else { throw fail("onnx.class_names", "expected the model's class names, in its order") }
            for name in onnx.classes where !onnx.classNames.contains(name) {
                throw fail("onnx.classes", "\"\(name)\" is not one of class_names")
            }
        }
        for (i, rule) in foreground.classes.enumerated() where rule.className.isEmpty || rule.minArea > rule.maxArea || rule.minAspect > rule.maxAspect {
            throw fail("foreground.classes[\(i)]", "expected a class_name and min_area ≤ max_area, min_aspect ≤ max_aspect")
        }
        let ranges: [(String, Double, ClosedRange<Double>)] = [
            ("heartbeat_seconds", heartbeatSeconds, 0...3600), ("region_padding", regionPadding, 0...4),
            ("min_hits", Double(minHits), 1...1000), ("confirm_travel", confirmTravel ?? 0, 0...100), ("max_age_seconds", maxAgeSeconds, 0...3600),
            ("stationary_max_age_seconds", stationaryMaxAgeSeconds, 0...86400),
            ("high_threshold", highThreshold, 0...1), ("low_threshold", lowThreshold, 0...1),
            ("new_track_threshold", newTrackThreshold, 0...1), ("iou_threshold", iouThreshold, 0...1),
            ("max_center_distance", maxCenterDistance, 0...100), ("stationary_seconds", stationarySeconds, 0...86400),
            ("stationary_tolerance", stationaryTolerance, 0...10), ("appearance_threshold", appearanceThreshold, -1...1),
            ("update_distance", updateDistance, 0...2), ("update_interval_seconds", updateIntervalSeconds, 0...86400),
            ("zone_frames", Double(zoneFrames), 1...1000), ("line_margin", lineMargin, 0...1),
        ]
        for (key, value, range) in ranges where !range.contains(value) {
            throw fail(key, "expected a number from \(range.lowerBound.formatted) to \(range.upperBound.formatted), found \(value.formatted)")
        }
        guard lowThreshold <= highThreshold else { throw fail("low_threshold", "must not be above high_threshold") }
    }
}

private extension Double {
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
