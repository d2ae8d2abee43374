import PluginAPI

/// One object a backend found on a frame: where (normalised), what, and how sure.
struct Detection: Equatable {
    /// The box, normalised 0–1.
    var box: Box
    /// The backend's score, 0–1.
    var confidence: Double
    /// The class, e.g. "person" or "car".
    var className: String
}

/// Looks at a frame for the tracker: the grey appearance of a box, to tell whether a still
/// object is still there when the detector no longer reports it.
protocol AppearanceProbe {
    /// The box's grey levels on the current frame, resized to a fixed small square; nil when it
    /// cannot be read (outside the frame, too small).
    func patch(_ box: Box) -> [Float]?
}

/// How alike two appearance patches are.
enum Appearance {
    /// Normalised cross-correlation of two patches of the same size, −1…1: 1 for the same
    /// picture under any change of brightness or contrast; 0 when either is flat or they differ in size.
    static func similarity(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        let n = Double(a.count)
        var sa = 0.0, sb = 0.0
        for i in a.indices { sa += Double(a[i]); sb += Double(b[i]) }
        let ma = sa / n, mb = sb / n
        var cov = 0.0, va = 0.0, vb = 0.0
        for i in a.indices {
            let da = Double(a[i]) - ma, db = Double(b[i]) - mb
            cov += da * db; va += da * da; vb += db * db
        }
        // A flat patch (a wall, the sky) says nothing either way.
        guard va > n * 4, vb > n * 4 else { return 0 }
        return cov / (va * vb).squareRoot()
    }
}
