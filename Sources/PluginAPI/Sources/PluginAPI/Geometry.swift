/// A point in normalised frame coordinates: `x` from 0 (left edge) to 1 (right edge), `y` from
/// 0 (top edge) to 1 (bottom edge), whatever the frame's resolution (PluginAPI 1.1).
public struct Point: Sendable, Hashable, Codable {
    /// Horizontal position, 0 (left) to 1 (right).
    public var x: Double
    /// Vertical position, 0 (top) to 1 (bottom).
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }

    /// True when both coordinates lie in 0…1.
    public var isNormalised: Bool { (0...1).contains(x) && (0...1).contains(y) }
}

/// A rectangle in normalised frame coordinates: the top-left corner and the size, each as a
/// fraction of the frame's width or height (PluginAPI 1.1). Events carry boxes in this form
/// (`bounding_box {x, y, width, height}`).
public struct Box: Sendable, Hashable, Codable {
    /// Left edge, 0–1.
    public var x: Double
    /// Top edge, 0–1.
    public var y: Double
    /// Width, 0–1.
    public var width: Double
    /// Height, 0–1.
    public var height: Double

    /// Creates a box from its top-left corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    /// The box of a pixel rectangle in a `frameWidth` × `frameHeight` picture.
    public init(pixelX: Int, pixelY: Int, pixelWidth: Int, pixelHeight: Int, frameWidth: Int, frameHeight: Int) {
        let w = Double(max(frameWidth, 1)), h = Double(max(frameHeight, 1))
        self.init(x: Double(pixelX) / w, y: Double(pixelY) / h, width: Double(pixelWidth) / w, height: Double(pixelHeight) / h)
    }

    /// The right edge.
    public var maxX: Double { x + width }
    /// The bottom edge.
    public var maxY: Double { y + height }
    /// The centre point.
    public var center: Point { Point(x: x + width / 2, y: y + height / 2) }
    /// The middle of the bottom edge: where a person or a car touches the ground.
    public var bottomCenter: Point { Point(x: x + width / 2, y: y + height) }
    /// Width × height (0 for an empty box).
    public var area: Double { max(width, 0) * max(height, 0) }

    /// The overlap of two boxes, or nil when they do not overlap.
    public func intersection(_ other: Box) -> Box? {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        guard right > left, bottom > top else { return nil }
        return Box(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// The smallest box holding both.
    public func union(_ other: Box) -> Box {
        let left = min(x, other.x), top = min(y, other.y)
        return Box(x: left, y: top, width: max(maxX, other.maxX) - left, height: max(maxY, other.maxY) - top)
    }

    /// Intersection over union, 0 (disjoint) to 1 (identical).
    public func iou(_ other: Box) -> Double {
        guard let overlap = intersection(other) else { return 0 }
        let union = area + other.area - overlap.area
        return union > 0 ? overlap.area / union : 0
    }

    /// The box grown on every side by `fraction` of its own size, kept inside the frame.
    public func padded(by fraction: Double) -> Box {
        Box(x: x - width * fraction, y: y - height * fraction,
            width: width * (1 + 2 * fraction), height: height * (1 + 2 * fraction)).clamped()
    }

    /// The part of the box inside the frame (0…1 on both axes).
    public func clamped() -> Box {
        let left = min(max(x, 0), 1), top = min(max(y, 0), 1)
        return Box(x: left, y: top, width: max(min(maxX, 1) - left, 0), height: max(min(maxY, 1) - top, 0))
    }

    /// The pixel rectangle of this box in a `frameWidth` × `frameHeight` picture, inside it.
    public func pixels(frameWidth: Int, frameHeight: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        let c = clamped()
        let left = Int((c.x * Double(frameWidth)).rounded(.down)), top = Int((c.y * Double(frameHeight)).rounded(.down))
        let right = Int((c.maxX * Double(frameWidth)).rounded(.up)), bottom = Int((c.maxY * Double(frameHeight)).rounded(.up))
        return (left, top, min(right, frameWidth) - left, min(bottom, frameHeight) - top)
    }

    /// `{"x", "y", "width", "height"}`, each rounded to 4 decimals: the seed's `bounding_box`.
    public var json: JSONValue {
        func r(_ v: Double) -> JSONValue { .double((v * 10_000).rounded() / 10_000) }
        return ["x": r(x), "y": r(y), "width": r(width), "height": r(height)]
    }

    /// Reads `{"x", "y", "width", "height"}` (numbers); nil when a member is missing or not a number.
    public init?(json: JSONValue) {
        guard let x = json["x"]?.doubleValue, let y = json["y"]?.doubleValue,
              let w = json["width"]?.doubleValue, let h = json["height"]?.doubleValue else { return nil }
        self.init(x: x, y: y, width: w, height: h)
    }
}
