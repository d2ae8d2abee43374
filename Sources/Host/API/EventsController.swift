import Foundation
import Hummingbird
import PluginAPI

/// `/api/events…`: the seed's query API over the stored events.
struct EventsController<Context: RequestContext>: Sendable {
    let repository: EventRepository
    /// Where snapshot files live (`SNAPSHOTS_DIR`); snapshot paths never resolve outside it.
    let snapshotsDir: String

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("events", use: list)
        group.get("events/stats", use: stats)
        group.get("events/{id}", use: event)
        group.get("events/{id}/snapshot", use: snapshot)
    }

    /// `GET /api/events`: filters, pages, newest first.
    @Sendable func list(_ request: Request, context: Context) async throws -> EventPage {
        let query = try EventQuery(request.uri.queryParameters)
        if query.plate != nil, repository.plates.view == .redacted {
            throw APIError(.forbidden, "plate: plates are encrypted (PLATE_ENCRYPTION_KEY) and searching by plate needs API_TOKEN to be set")
        }
        if let type = query.eventType {
            let known = try await repository.eventTypes()
            guard known.contains(type) else {
                throw APIError.badParameter("event_type", "a known event type (\(known.sorted().joined(separator: ", ")))", found: type)
            }
        }
        let (events, total) = try await repository.list(query)
        return EventPage(events: events, query: query, total: total)
    }

    /// `GET /api/events/{id}`
    @Sendable func event(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        guard let e = try await repository.event(id: id) else { throw APIError(.notFound, "id: no event with id \(id)") }
        return .json(e.json)
    }

    /// `GET /api/events/{id}/snapshot`: the PNG, 404 when there is none.
    @Sendable func snapshot(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        guard let e = try await repository.event(id: id) else { throw APIError(.notFound, "id: no event with id \(id)") }
        guard let relative = e.snapshotPath else { throw APIError(.notFound, "id: event \(id) has no snapshot") }
        guard let path = SnapshotPath.resolve(relative, under: snapshotsDir),
              let data = FileManager.default.contents(atPath: path) else {
            throw APIError(.notFound, "id: the snapshot file of event \(id) is gone")
        }
        return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `GET /api/events/stats`
    @Sendable func stats(_ request: Request, context: Context) async throws -> EventStats {
        try await EventStats.read(repository)
    }

    static func id(_ context: Context) throws -> Int {
        let text = context.parameters.get("id") ?? ""
        return try EventQuery.int(text, "id", 1...Int(Int32.max))
    }
}

/// Resolves a stored `snapshot_path` inside `SNAPSHOTS_DIR`, refusing anything that would leave it
/// (`..`, absolute paths, symbolic links pointing out). Stored paths start with the folder's own
/// name, as in the seed (`snapshots/2024-10-11/camera-01/motion_12_1728649696.png`).
enum SnapshotPath {
    static func resolve(_ relative: String, under root: String) -> String? {
        let rootURL = URL(fileURLWithPath: root).standardized
        let name = rootURL.lastPathComponent
        let candidate = relative.hasPrefix(name + "/")
            ? rootURL.deletingLastPathComponent().path + "/" + relative : rootURL.path + "/" + relative
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0"),
              !relative.split(separator: "/").contains(where: { $0 == ".." }),
              let realRoot = realPath(rootURL.path), let real = realPath(candidate),
              real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else { return nil }
        return real
    }

    private static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
