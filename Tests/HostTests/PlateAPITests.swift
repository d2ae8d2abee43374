import Foundation
import PluginAPI
@testable import VigilAPI
@testable import VigilRouter
import XCTest

/// `GET /api/events?plate=…` and who sees plate text, over real PostgreSQL and HTTP.
final class PlateAPITests: XCTestCase {
    func testSearchByPlateAndDecryptOnlyForTokenHolders() async throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        let camera = "plate-api-\(UUID().uuidString.prefix(6))"
        let (p1, p2) = (PlateTestSupport.plate(), PlateTestSupport.plate())
        let sealed = try RouterFixture(plates: vault)
        try sealed.save([sealed.event(camera, 1, type: "anpr", data: PlateTestSupport.anpr(p1)),
                         sealed.event(camera, 2, type: "anpr", data: PlateTestSupport.anpr(p2)),
                         sealed.event(camera + "-b", 3, type: "anpr", data: PlateTestSupport.anpr(p1)),
                         sealed.event(camera, 4)])
        // A row saved before the key was set: plain, still found by plate.
        let plain = try RouterFixture()
        try plain.save([plain.event(camera + "-old", 5, type: "anpr", data: PlateTestSupport.anpr(p1))])
        let search = "/api/events?plate=" + (p1.prefix(3).lowercased() + " -" + p1.dropFirst(3)).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!

        let api = try await APIFixture(token: "s3cret", plates: vault)
        let found = try await api.json(search, token: "s3cret")
        XCTAssertEqual(found.status, 200)
        let events = found.value["events"]?.arrayValue ?? []
        XCTAssertEqual(Set(events.compactMap { $0["camera_id"]?.stringValue }), [camera, camera + "-b", camera + "-old"],
                       "case, spaces and dashes ignored; encrypted and plain rows both found")
        XCTAssertEqual(found.value["total"], 3)
        for e in events {
            XCTAssertEqual(e["event_data"], PlateTestSupport.anpr(p1), "decrypted for the token holder, nothing added")
        }
        let byCamera = try await api.json("/api/events?camera_id=\(camera)&event_type=anpr", token: "s3cret")
        XCTAssertEqual(byCamera.value["events"]?.arrayValue?.compactMap { $0["event_data"]?["anpr_result"]?["license_plate"]?.stringValue }, [p2, p1])
        let refused = try await api.get(search)
        XCTAssertEqual(refused.status, 401)
        XCTAssertFalse(String(decoding: refused.body, as: UTF8.self).contains(p1))
        let none = try await api.json("/api/events?plate=ZZ9ZZ9ZZ", token: "s3cret")
        XCTAssertEqual(none.value["total"], 0)
        let bad = try await api.json("/api/events?plate=-%20-", token: "s3cret")
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.value["error"]?.stringValue?.hasPrefix("plate: expected 1 to 32 letters or digits") == true)
        await api.stop()

        // No API_TOKEN: nobody is entitled to plates; they are redacted (old plain rows too) and not searchable.
        let open = try await APIFixture(plates: vault)
        let listed = try await open.get("/api/events?camera_id=\(camera + "-old")")
        let listedB = try await open.get("/api/events?camera_id=\(camera)")
        for body in [listed.body, listedB.body].map({ String(decoding: $0, as: UTF8.self) }) {
            XCTAssertFalse(body.contains(p1) || body.contains(p2), body)
            XCTAssertTrue(body.contains(PlateFields.redactedText), body)
        }
        let forbidden = try await open.json(search)
        XCTAssertEqual(forbidden.status, 403)
        XCTAssertTrue(forbidden.value["error"]?.stringValue?.contains("needs API_TOKEN") == true)
        await open.stop()

        // The wrong key: a clear error in the event, never other text.
        let id = try sealed.db().query("SELECT id FROM events WHERE camera_id = $1 AND frame_number = 1", [camera])[0, 0]!
        let wrong = try await APIFixture(token: "t", plates: try PlateVault(current: PlateTestSupport.secret()))
        let one = try await wrong.json("/api/events/\(id)", token: "t")
        XCTAssertEqual(one.status, 200)
        XCTAssertEqual(one.value["event_data"]?["anpr_result"]?["license_plate"], .string(PlateFields.redactedText))
        XCTAssertTrue(one.value["event_data"]?["plate_error"]?.stringValue?
            .contains("event \(id): plate encrypted under key id \(vault.current.id), which is not configured") == true)
        await wrong.stop()
    }
}
