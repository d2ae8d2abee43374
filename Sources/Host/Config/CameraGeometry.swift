import PluginAPI

/// `cameras[].zones` and `cameras[].lines`: the camera-level geometry handed to every detector of
/// the camera, validated with JSON-path errors.
///
///     "zones": {"driveway": [[0.1, 0.5], [0.6, 0.5], [0.6, 1.0], [0.1, 1.0]]},
///     "lines": {"gate": {"from": [0.5, 0.0], "to": [0.5, 1.0], "in": "left"}}
enum CameraGeometry {
    static func zones(_ cam: inout ConfigReader) throws -> [Zone] {
        guard let value = cam.value("zones") else { return [] }
        guard let members = value.objectValue else {
            throw cam.error("zones", "expected an object of zone name → [[x, y], …], found \(value.typeName)")
        }
        return try members.map { name, polygon in
            let path = "\(cam.childPath("zones")).\(name)"
            try checkName(name, path: path, file: cam.file)
            guard let items = polygon.arrayValue, items.count >= 3 else {
                throw ConfigError(file: cam.file, path: path,
                                  message: "expected at least 3 points [x, y] (0–1), found \(polygon.arrayValue.map { "\($0.count) points" } ?? polygon.typeName)")
            }
            return Zone(name: name, polygon: try items.enumerated().map { try point($1, path: "\(path)[\($0)]", file: cam.file) })
        }
    }

    static func lines(_ cam: inout ConfigReader) throws -> [CountingLine] {
        guard let value = cam.value("lines") else { return [] }
        guard let members = value.objectValue else {
            throw cam.error("lines", "expected an object of line name → {\"from\": [x, y], \"to\": [x, y], \"in\": \"left\"|\"right\"}, found \(value.typeName)")
        }
        return try members.map { name, spec in
            let path = "\(cam.childPath("lines")).\(name)"
            try checkName(name, path: path, file: cam.file)
            var line = try cam.reader(spec, path: path)
            guard let from = line.value("from"), let to = line.value("to") else {
                throw ConfigError(file: cam.file, path: path, message: "expected \"from\" and \"to\" points [x, y]")
            }
            let a = try point(from, path: "\(path).from", file: cam.file), b = try point(to, path: "\(path).to", file: cam.file)
            guard a != b else { throw ConfigError(file: cam.file, path: path, message: "\"from\" and \"to\" are the same point") }
            let sideText = try line.optionalString("in") ?? "left"
            guard let side = CountingLine.Side(rawValue: sideText) else {
                throw line.error("in", "expected \"left\" or \"right\" (seen looking from \"from\" to \"to\"), found \"\(sideText)\"")
            }
            if let unknown = line.unknownKeys().first {
                throw ConfigError(file: cam.file, path: unknown, message: "unknown key (expected from, to, in)")
            }
            return CountingLine(name: name, from: a, to: b, inSide: side)
        }
    }

    private static func point(_ value: JSONValue, path: String, file: String) throws -> Point {
        guard let xy = value.arrayValue, xy.count == 2, let x = xy[0].doubleValue, let y = xy[1].doubleValue else {
            throw ConfigError(file: file, path: path, message: "expected a point [x, y], found \(value.jsonString)")
        }
        let p = Point(x: x, y: y)
        guard p.isNormalised else {
            throw ConfigError(file: file, path: path, message: "expected x and y between 0 and 1 (fractions of the picture), found \(value.jsonString)")
        }
        return p
    }

    private static func checkName(_ name: String, path: String, file: String) throws {
        guard !name.isEmpty, name.utf8.count <= 100 else {
            throw ConfigError(file: file, path: path, message: "a name of 1 to 100 bytes is expected")
        }
    }
}
