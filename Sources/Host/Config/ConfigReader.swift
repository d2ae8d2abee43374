import PluginAPI

/// Reads one JSON object of the configuration, remembering its path so every error says where.
/// Keys it is not asked for are reported by `unknownKeys()` (warnings, not errors).
package struct ConfigReader {
    let file: String
    let path: String
    let members: [(key: String, value: JSONValue)]
    let environment: [String: String]
    private(set) var used: Set<String> = []

    package init(_ value: JSONValue, file: String, path: String, environment: [String: String]) throws {
        guard case .object(let members) = value else {
            throw ConfigError(file: file, path: path, message: "expected an object, found \(value.typeName)")
        }
        self.file = file; self.path = path; self.members = members
        self.environment = environment
    }

    /// A reader for the object at `path` (same file and environment).
    func reader(_ value: JSONValue, path: String) throws -> ConfigReader {
        try ConfigReader(value, file: file, path: path, environment: environment)
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    package func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, path: childPath(key), message: message)
    }

    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let v = members.last(where: { $0.key == key })?.value else { return nil }
        if case .null = v { return nil }
        return v
    }

    mutating func string(_ key: String) throws -> String {
        guard let v = value(key) else { throw error(key, "expected a string, the key is missing") }
        guard let s = v.stringValue else { throw error(key, "expected a string, found \(v.typeName)") }
        guard !s.isEmpty else { throw error(key, "expected a non-empty string") }
        return try Substitution.expand(s, environment: environment, file: file, path: childPath(key))
    }

    package mutating func optionalString(_ key: String) throws -> String? {
        guard value(key) != nil else { return nil }
        return try string(key)
    }

    mutating func bool(_ key: String, default def: Bool) throws -> Bool {
        guard let v = value(key) else { return def }
        guard let b = v.boolValue else { throw error(key, "expected true or false, found \(v.typeName)") }
        return b
    }

    package mutating func number(_ key: String, default def: Double?, range: ClosedRange<Double>) throws -> Double? {
        guard let v = value(key) else { return def }
        guard let d = v.doubleValue else { throw error(key, "expected a number, found \(v.typeName)") }
        guard range.contains(d) else {
            throw error(key, "expected a number from \(range.lowerBound.clean) to \(range.upperBound.clean), found \(d.clean)")
        }
        return d
    }

    package mutating func int(_ key: String, default def: Int, range: ClosedRange<Int>) throws -> Int {
        guard let v = value(key) else { return def }
        guard let i = v.intValue else { throw error(key, "expected a whole number, found \(v.typeName)") }
        guard range.contains(i) else { throw error(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(i)") }
        return i
    }

    mutating func array(_ key: String) throws -> [JSONValue] {
        guard let v = value(key) else { return [] }
        guard let a = v.arrayValue else { throw error(key, "expected an array, found \(v.typeName)") }
        return a
    }

    mutating func strings(_ key: String) throws -> [String] {
        try array(key).enumerated().map { i, v in
            guard let s = v.stringValue else {
                throw ConfigError(file: file, path: "\(childPath(key))[\(i)]", message: "expected a string, found \(v.typeName)")
            }
            return s
        }
    }

    /// Paths of keys present in the object that nothing asked for.
    package func unknownKeys() -> [String] {
        members.map(\.key).filter { !used.contains($0) }.map(childPath)
    }
}

/// `${VAR}` and `${VAR:-default}` in configuration strings, from the environment.
enum Substitution {
    static func expand(_ text: String, environment: [String: String], file: String, path: String) throws -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ConfigError(file: file, path: path, message: "unterminated ${ in \"\(text)\"")
            }
            let body = rest[start.upperBound..<end]
            let parts = body.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if let value = environment[name], !value.isEmpty {
                out += value
            } else if parts.count == 2 {
                out += parts[1]
            } else {
                throw ConfigError(file: file, path: path, message: "environment variable \(name) is not set (use ${\(name):-default})")
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

extension Double {
    /// 5 → "5", 2.5 → "2.5"
    var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
