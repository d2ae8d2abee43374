/// A named area of a camera's picture: `cameras[].zones` in plugins.json, a polygon of at least
/// three normalised points. The host hands a camera's zones to each of its detectors (PluginAPI 1.1).
public struct Zone: Sendable, Equatable {
    /// The zone's name from plugins.json, e.g. "driveway".
    public let name: String
    /// The corners in order, normalised.
    public let polygon: [Point]

    /// Creates a zone.
    public init(name: String, polygon: [Point]) { self.name = name; self.polygon = polygon }

    /// True when `point` lies inside the polygon (even-odd rule; a point on an edge may go either way).
    public func contains(_ point: Point) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.y > point.y) != (b.y > point.y),
               point.x < (b.x - a.x) * (point.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}

/// A counting line: `cameras[].lines` in plugins.json, two normalised points and which side of
/// the line is "in". Objects crossing it are counted in or out (PluginAPI 1.1).
public struct CountingLine: Sendable, Equatable {
    /// A side of the line, as seen looking along it from `from` towards `to` on the picture.
    public enum Side: String, Sendable {
        /// To the left of the direction `from` → `to`.
        case left
        /// To the right of the direction `from` → `to`.
        case right
    }

    /// The line's name from plugins.json, e.g. "gate".
    public let name: String
    /// One end, normalised.
    public let from: Point
    /// The other end, normalised.
    public let to: Point
    /// The side that counts as "in": crossing towards it is an entry, away from it an exit.
    public let inSide: Side

    /// Creates a line.
    public init(name: String, from: Point, to: Point, inSide: Side) {
        self.name = name; self.from = from; self.to = to; self.inSide = inSide
    }

    /// Which side of the (infinite) line `point` is on; nil when exactly on it.
    /// Picture coordinates grow downwards, so "left" of a line drawn to the right is above it.
    public func side(of point: Point) -> Side? {
        let cross = (to.x - from.x) * (point.y - from.y) - (to.y - from.y) * (point.x - from.x)
        if cross == 0 { return nil }
        return cross < 0 ? .left : .right
    }

    /// True when the segment `a` → `b` crosses the line's segment (not just its extension).
    public func isCrossed(from a: Point, to b: Point) -> Bool {
        func orient(_ p: Point, _ q: Point, _ r: Point) -> Double { (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x) }
        let d1 = orient(from, to, a), d2 = orient(from, to, b), d3 = orient(a, b, from), d4 = orient(a, b, to)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }
}
