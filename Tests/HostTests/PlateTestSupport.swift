import Foundation
import PluginAPI
import VigilPostgres
@testable import VigilRouter

/// Keys, plates and ANPR event data for the plate privacy tests.
enum PlateTestSupport {
    /// A fresh 32-byte secret.
    static func secret() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// A plate no other test run uses: 7 uppercase letters and digits.
    static func plate() -> String { String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(7)).uppercased() }

    /// The ANPR plugin's event_data (README, "Events") for `plate`: every field that holds plate text.
    static func anpr(_ plate: String, label: String = "staff car") -> JSONValue {
        ["anpr_result": ["license_plate": .string(plate), "confidence": 0.7912, "region": "us"],
         "candidates": [["plate": .string(plate), "confidence": 0.8723, "region": "us"],
                        ["plate": .string(String(plate.dropLast())), "confidence": 0.58, "region": "us"]],
         "plate_box": ["x": 0.4102, "y": 0.5521, "width": 0.1563, "height": 0.0412],
         "frames": 10,
         "votes": [["plate": .string(plate), "share": 0.9071]],
         "known_plate": ["plate": .string(plate), "label": .string(label), "distance": 0]]
    }

    /// A database of its own on the test server (dropped by `drop`): for work that touches every row.
    static func freshDatabase() throws -> String {
        let url = try TestSupport.services().database
        let name = "plates_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try PostgresConnection(url).execute("CREATE DATABASE \(name)")
        return String(url[..<url.lastIndex(of: "/")!]) + "/" + name
    }

    static func drop(_ url: String) {
        let name = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        guard let base = try? TestSupport.services().database else { return }
        _ = try? PostgresConnection(base).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
