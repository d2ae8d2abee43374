/// Reads environment variables for `Settings`, one typed value each, collecting every bad value
/// (with its name and what was expected) instead of stopping at the first, so `vigil check` can
/// list them all. An empty value counts as unset.
struct EnvironmentReader {
    let env: [String: String]
    private(set) var problems: [ConfigError] = []

    init(_ env: [String: String]) { self.env = env }

    /// The value, or nil when unset or empty.
    func text(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }

    mutating func fail(_ key: String, _ message: String) {
        problems.append(ConfigError(file: "environment", path: key, message: message))
    }

    mutating func string(_ key: String, _ def: String) -> String { text(key) ?? def }

    mutating func flag(_ key: String, _ def: Bool) -> Bool {
        guard let raw = text(key)?.lowercased() else { return def }
        if ["1", "true", "yes", "on"].contains(raw) { return true }
        if ["0", "false", "no", "off"].contains(raw) { return false }
        fail(key, "expected true or false, found \"\(raw)\"")
        return def
    }

    mutating func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) -> Int {
        guard let raw = text(key) else { return def }
        guard let v = Int(raw), range.contains(v) else {
            fail(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(raw)\"")
            return def
        }
        return v
    }

    mutating func number(_ key: String, _ def: Double, _ range: ClosedRange<Double>) -> Double {
        guard let raw = text(key) else { return def }
        guard let v = Double(raw), v.isFinite, range.contains(v) else {
            fail(key, "expected a number from \(range.lowerBound.clean) to \(range.upperBound.clean), found \"\(raw)\"")
            return def
        }
        return v
    }

    /// One of `choices` (case-insensitive).
    mutating func choice<T>(_ key: String, _ def: T, _ choices: [(String, T)]) -> T {
        guard let raw = text(key) else { return def }
        if let hit = choices.first(where: { $0.0 == raw.lowercased() }) { return hit.1 }
        let names = choices.map(\.0)
        let list = names.count == 2 ? "\(names[0]) or \(names[1])"
            : names.dropLast().joined(separator: ", ") + " or " + names.last!
        fail(key, "expected \(list), found \"\(raw)\"")
        return def
    }
}

/// Every bad environment value found by `Settings`, one line each (`environment: NAME: expected …`).
package struct SettingsError: Error, CustomStringConvertible, Equatable {
    package let problems: [ConfigError]

    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
