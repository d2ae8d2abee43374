import PluginAPI

/// How long one camera's, or one event type's, events and snapshots are kept (plugins.json `retention`).
/// A nil field is not set here (the next rule decides); 0 keeps them for ever.
///
///     "retention": {"event_types": {"motion": {"events_days": 7, "snapshots_days": 2}}},
///     "cameras": [{"id": "gate", …, "retention": {"events_days": 365, "snapshots_days": 90}}]
package struct RetentionRule: Sendable, Equatable {
    /// Days events are kept (0: for ever; nil: not set by this rule).
    package var eventsDays: Double?
    /// Days snapshot files are kept (0: for ever; nil: not set by this rule).
    package var snapshotsDays: Double?

    package init(eventsDays: Double? = nil, snapshotsDays: Double? = nil) {
        self.eventsDays = eventsDays; self.snapshotsDays = snapshotsDays
    }

    /// Reads `{"events_days": …, "snapshots_days": …}` at `key` of `parent`; nil when the key is absent.
    static func read(_ parent: inout ConfigReader, key: String, warnings: inout [String]) throws -> RetentionRule? {
        guard let value = parent.value(key) else { return nil }
        var r = try parent.reader(value, path: parent.childPath(key))
        let rule = RetentionRule(eventsDays: try r.number("events_days", default: nil, range: 0...365_000),
                                 snapshotsDays: try r.number("snapshots_days", default: nil, range: 0...365_000))
        warnings += r.unknownKeys().map { "\(r.file): \($0): unknown key (ignored)" }
        return rule
    }

    /// The top level's `retention`: `{"event_types": {"<type>": {"events_days": …, "snapshots_days": …}}}`.
    static func byEventType(_ root: inout ConfigReader, warnings: inout [String]) throws -> [String: RetentionRule] {
        guard let value = root.value("retention") else { return [:] }
        var retention = try root.reader(value, path: root.childPath("retention"))
        var rules: [String: RetentionRule] = [:]
        if let types = retention.value("event_types") {
            var reader = try retention.reader(types, path: retention.childPath("event_types"))
            for (type, _) in reader.members {
                guard !type.isEmpty, type.utf8.count <= 50 else {
                    throw reader.error(type, "expected an event type of 1 to 50 bytes")
                }
                rules[type] = try read(&reader, key: type, warnings: &warnings)
            }
        }
        warnings += retention.unknownKeys().map { "\(retention.file): \($0): unknown key (ignored)" }
        return rules
    }
}
