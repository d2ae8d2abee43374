import Foundation
import PluginAPI
@testable import VigilConfig
import VigilCrypto
import VigilPostgres
@testable import VigilRouter
import XCTest

/// Plates encrypted at rest: the AES-GCM wrapper, the settings, the router's writes and reads
/// against real PostgreSQL and Redis, and what a wrong key gives.
final class PlatePrivacyTests: XCTestCase {
    func testAESGCMRoundTripsAndRefusesTamperingAndWrongKeys() throws {
        let key = PlateTestSupport.secret(), text = Array("5TRK482 — ünïcode".utf8), aad = Array("enc:v1:abcd0123".utf8)
        let sealed = try AESGCM.seal(text, key: key, aad: aad)
        XCTAssertEqual(sealed.count, AESGCM.nonceLength + text.count + AESGCM.tagLength)
        XCTAssertEqual(try AESGCM.open(sealed, key: key, aad: aad), text)
        XCTAssertEqual(try AESGCM.open(try AESGCM.seal([], key: key), key: key), [])
        XCTAssertNotEqual(try AESGCM.seal(text, key: key, aad: aad), sealed, "a fresh nonce per value")

        var tampered = sealed
        tampered[AESGCM.nonceLength + 2] ^= 0x01
        for (bytes, k, a) in [(tampered, key, aad), (sealed, PlateTestSupport.secret(), aad), (sealed, key, Array("other".utf8))] {
            XCTAssertThrowsError(try AESGCM.open(bytes, key: k, aad: a)) { error in
                XCTAssertEqual((error as? CryptoError)?.operation, "EVP_DecryptFinal_ex")
                XCTAssertTrue("\(error)".contains("authentication failed"), "\(error)")
            }
        }
        XCTAssertThrowsError(try AESGCM.seal(text, key: Array(key.prefix(16)))) { XCTAssertTrue("\($0)".contains("16 bytes, expected 32")) }
        XCTAssertThrowsError(try AESGCM.open(Array(sealed.prefix(20)), key: key)) { XCTAssertTrue("\($0)".contains("fewer than")) }
    }

    func testPlateSettingsNameTheVariableAndNeverEchoTheSecret() throws {
        let good = Data(PlateTestSupport.secret()).base64EncodedString()
        func problems(_ env: [String: String]) -> String {
            do { _ = try Settings(env); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(try Settings(["PLATE_ENCRYPTION_KEY": good]).plates.key?.count, 32)
        XCTAssertEqual(try Settings([:]).plates, PlateSettings())
        let garbage = problems(["PLATE_ENCRYPTION_KEY": "hunter2-not-base64!"])
        XCTAssertTrue(garbage.contains("environment: PLATE_ENCRYPTION_KEY: expected 32 bytes in base64"), garbage)
        XCTAssertFalse(garbage.contains("hunter2"), "the secret is not echoed: \(garbage)")
        let short = problems(["PLATE_ENCRYPTION_KEY": Data(repeating: 7, count: 16).base64EncodedString()])
        XCTAssertTrue(short.contains("found 16 bytes"), short)
        let old = problems(["PLATE_ENCRYPTION_KEY": good, "PLATE_ENCRYPTION_OLD_KEYS": "\(good), AAAA"])
        XCTAssertTrue(old.contains("PLATE_ENCRYPTION_OLD_KEYS: key 2: expected 32 bytes"), old)
        XCTAssertTrue(problems(["PLATE_PUBLISH": "encrypted"]).contains("PLATE_PUBLISH: encrypted needs PLATE_ENCRYPTION_KEY"))
        XCTAssertTrue(problems(["PLATE_PUBLISH": "hidden"]).contains("expected plain, encrypted or redacted"))
    }

    func testRouterStoresNoPlateTextPublishesPlainAndReadsBackTheSameBytes() throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        let f = try RouterFixture(plates: vault)
        let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { sub.stop() }
        let camera = "plates-\(UUID().uuidString.prefix(6))"
        let plates = [PlateTestSupport.plate(), PlateTestSupport.plate()]
        f.router.start()
        XCTAssertTrue(f.router.submit(f.event(camera, 1, type: "anpr", data: PlateTestSupport.anpr(plates[0], label: "J. Smith"))))
        XCTAssertTrue(f.router.submit(f.event(camera, 2, type: "anpr", data: PlateTestSupport.anpr(plates[1]))))
        XCTAssertTrue(f.router.submit(f.event(camera, 3)))
        RouterFixture.wait("3 payloads") { sub.payloads().count == 3 }
        f.router.shutdown()

        // Published plain by default: the plugin's event_data, nothing added.
        let published = try sub.payloads().map { try JSONValue(parsing: $0) }
        XCTAssertEqual(published.map { $0["event_data"]?["anpr_result"]?["license_plate"]?.stringValue }, [plates[0], plates[1], nil])
        XCTAssertEqual(published[0]["event_data"], PlateTestSupport.anpr(plates[0], label: "J. Smith"))

        // The table holds no plate text, only envelopes under the key id and the search hash.
        let db = try f.db()
        for text in plates + ["J. Smith", "staff car"] {
            let hits = try db.query("SELECT count(*) FROM events WHERE camera_id = $1 AND event_data::text LIKE '%' || $2 || '%'", [camera, text])
            XCTAssertEqual(hits[0, 0], "0", "\(text) is stored in plain text")
        }
        let rows = try db.query("""
            SELECT id, event_data->'anpr_result'->>'license_plate', event_data->>'plate_hmac', event_data->>'plate_key'
            FROM events WHERE camera_id = $1 AND event_type = 'anpr' ORDER BY id
            """, [camera])
        XCTAssertEqual(rows.count, 2)
        for r in 0..<2 {
            XCTAssertTrue(rows[r, 1]!.hasPrefix("enc:v1:\(vault.current.id):"), rows[r, 1]!)
            XCTAssertEqual(rows[r, 2], vault.searchHash(plates[r]))
            XCTAssertEqual(rows[r, 3], vault.current.id)
        }

        // Read back (publisher and sinks catch-up): decrypted to exactly what a plain row reads back as.
        let plain = try RouterFixture(channel: f.channel + "-plain")
        try plain.save([plain.event(camera + "-plain", 1, type: "anpr", data: PlateTestSupport.anpr(plates[0], label: "J. Smith"))])
        let firstID = Int64(rows[0, 0]!)!
        let decrypted = try EventStore.read(after: firstID - 1, limit: 1, from: db, plates: vault)[0].event
        let plainID = try db.query("SELECT id FROM events WHERE camera_id = $1", [camera + "-plain"])[0, 0]!
        let plainRow = try EventStore.read(after: Int64(plainID)! - 1, limit: 1, from: db)[0].event
        XCTAssertEqual(decrypted.event.dataJSON, plainRow.event.dataJSON, "catch-up publishes the bytes a plain row gives")

        // A wrong key: an error naming the key id and the event, redacted plates, never other text.
        let wrong = try EventStore.read(after: firstID - 1, limit: 1, from: db, plates: try PlateVault(current: PlateTestSupport.secret()))[0].event
        let problem = wrong.event.data["plate_error"]?.stringValue ?? ""
        XCTAssertTrue(problem.contains("event \(firstID): plate encrypted under key id \(vault.current.id), which is not configured"), problem)
        XCTAssertEqual(wrong.event.data["anpr_result"]?["license_plate"], .string(PlateFields.redactedText))
        XCTAssertEqual(wrong.event.data["known_plate"]?["label"], .string(PlateFields.redactedText))
        XCTAssertFalse(String(decoding: wrong.event.dataJSON, as: UTF8.self).contains(plates[0]))
    }

    func testAlteredCiphertextIsAnErrorNotText() throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        let plate = PlateTestSupport.plate()
        guard case .object(var members) = try PlateFields.seal(PlateTestSupport.anpr(plate), vault)! else { return XCTFail() }
        let i = members.firstIndex { $0.key == "anpr_result" }!
        let envelope = members[i].value["license_plate"]!.stringValue!
        var body = Array(envelope.utf8)
        body[body.count - 6] = body[body.count - 6] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        guard case .object(var result) = members[i].value else { return XCTFail() }
        result[result.firstIndex { $0.key == "license_plate" }!].value = .string(String(decoding: body, as: UTF8.self))
        members[i].value = .object(result)
        XCTAssertThrowsError(try PlateFields.open(.object(members), vault, eventID: 42)) { error in
            XCTAssertEqual("\(error)", "event 42: cannot decrypt plate under key id \(vault.current.id): "
                           + "EVP_DecryptFinal_ex: authentication failed (wrong key or altered data)")
        }
        let shown = PlateFields.show(.object(members), as: .plain, vault, eventID: 42)
        XCTAssertEqual(shown["anpr_result"]?["license_plate"], .string(PlateFields.redactedText))
        XCTAssertNotNil(shown["plate_error"])
        XCTAssertFalse(EventJSON.encode(shown).contains(plate), "no plate text from a row that failed to decrypt")
    }

    func testPublishesRedactedOrEncryptedWhenAsked() throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        for view in [PlateView.redacted, .encrypted] {
            let f = try RouterFixture(plates: vault, platePublish: view)
            let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
            let plate = PlateTestSupport.plate()
            f.router.start()
            XCTAssertTrue(f.router.submit(f.event("publish-\(view)", 1, type: "anpr", data: PlateTestSupport.anpr(plate))))
            RouterFixture.wait("1 payload") { sub.payloads().count == 1 }
            f.router.shutdown()
            sub.stop()
            let payload = sub.payloads().first ?? ""
            XCTAssertFalse(payload.contains(plate), "\(view): \(payload)")
            let data = try JSONValue(parsing: payload)["event_data"]
            XCTAssertEqual(data?["plate_hmac"]?.stringValue, vault.searchHash(plate), "\(view)")
            let shown = data?["anpr_result"]?["license_plate"]?.stringValue ?? ""
            if view == .redacted {
                XCTAssertEqual(shown, PlateFields.redactedText)
            } else {
                XCTAssertEqual(try vault.open(shown, eventID: nil), plate)
            }
        }
    }
}
