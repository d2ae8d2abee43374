import ArgumentParser
import Foundation
import VigilConfig
import VigilPostgres
import VigilRouter

/// `vigil plates …`: encrypted license plates.
struct PlatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plates", abstract: "Encrypted license plates (PLATE_ENCRYPTION_KEY).",
        subcommands: [PlatesRotateKey.self])
}

/// `vigil plates rotate-key`: re-encrypts every stored plate under the target key.
struct PlatesRotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-encrypt every stored plate under one key (PLATE_ENCRYPTION_KEY, or --new-key); resumable.",
        discussion: """
            Rows are read with PLATE_ENCRYPTION_KEY, PLATE_ENCRYPTION_OLD_KEYS and the target key, and
            written under the target key in batches, each its own transaction. Interrupt it at any time
            and run it again: it goes on with the rows not yet under the target key (plain rows too).
            Prints one line per batch and, last, `plates rotate-key key_id=K rotated=N remaining=R`.
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: "Rows per transaction.") var batchSize = 500
    @Option(help: """
        The target key, 32 bytes in base64 (default: $PLATE_ENCRYPTION_NEW_KEY, else PLATE_ENCRYPTION_KEY). \
        A command-line value is visible to other users of the machine; prefer the variable.
        """)
    var newKey: String?

    func run() async throws {
        let settings = try options.settings()
        guard let url = settings.databaseURL else { throw ValidationError("DATABASE_URL is not set") }
        let vault = try Self.vault(settings, newKey: newKey ?? settings.environment["PLATE_ENCRYPTION_NEW_KEY"])
        let rotation = PlateRotation(vault: vault, batchSize: batchSize)
        let keyID = vault.current.id
        // libpq blocks: the work runs on a thread of its own.
        let (progress, left): (PlateRotation.Progress, Int) = try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let db = try Database(url: url, timeouts: .none, plates: vault).connect()
                    let progress = try rotation.run(db) { p in
                        Self.say("rotate-key batch key_id=\(keyID) rotated=\(p.rotated) last_id=\(p.lastID)")
                    }
                    continuation.resume(returning: (progress, try rotation.remaining(db)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
        Self.say("plates rotate-key key_id=\(keyID) rotated=\(progress.rotated) remaining=\(left)")
    }

    /// A line on stdout, unbuffered (a test or an operator watches the batches go by).
    static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// Writing under the target, reading under every key the settings and the target name.
    static func vault(_ settings: Settings, newKey: String?) throws -> PlateVault {
        var target = settings.plates.key
        if let newKey {
            var env = settings.environment
            env["PLATE_ENCRYPTION_KEY"] = newKey
            env["PLATE_ENCRYPTION_OLD_KEYS"] = nil
            do { target = try Settings(env).plates.key } catch let error as SettingsError {
                throw ValidationError(error.description.replacingOccurrences(of: "PLATE_ENCRYPTION_KEY", with: "--new-key"))
            }
        }
        guard let target else {
            throw ValidationError("no key to rotate to: set PLATE_ENCRYPTION_KEY (or PLATE_ENCRYPTION_NEW_KEY / --new-key)")
        }
        let readable = ([settings.plates.key].compactMap { $0 } + settings.plates.oldKeys).filter { $0 != target }
        return try PlateVault(current: target, old: readable)
    }
}
