/// The camera id rule shared by plugins.json and the API.
package enum CameraIDRule {
    package static let description = "1 to 100 letters, digits, spaces or '_', '.', '-', ':', '@', starting with a letter or digit"

    package static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 100, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == 32 || $0 == 95 || $0 == 46 || $0 == 45 || $0 == 58 || $0 == 64 }
    }

    private static func isAlnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
}
