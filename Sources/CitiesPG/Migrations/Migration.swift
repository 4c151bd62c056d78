import Crypto
import Foundation

/// One schema change, `NNNN_description.sql`.
public struct Migration: Sendable, Hashable {
    /// The marker line that makes a migration run outside a transaction, for statements such as
    /// `CREATE INDEX CONCURRENTLY`. Each statement then commits on its own.
    public static let noTransactionMarker = "-- citiesd:no-transaction"

    /// The `NNNN` prefix: unique among the migrations, and the order they apply in.
    public let version: Int
    /// The part between the first underscore and `.sql`, e.g. `initial_schema`.
    public let name: String
    /// The file's name, e.g. `0001_initial_schema.sql`.
    public let fileName: String
    /// The file's text; it runs one statement at a time.
    public let sql: String
    /// SHA-256 of the file's bytes, hex: an applied migration whose file changed is drift.
    public let checksum: String
    /// False when a line of the file is ``noTransactionMarker`` alone.
    public let runsInTransaction: Bool

    /// Reads one migration file; throws ``MigrationError/Code/invalidFileName`` unless the name is
    /// `NNNN_description.sql` with a positive version, ``MigrationError/Code/invalidEncoding`` unless
    /// `contents` is UTF-8.
    public init(fileName: String, contents: [UInt8]) throws {
        guard fileName.hasSuffix(".sql"),
              let underscore = fileName.firstIndex(of: "_"),
              let version = Int(fileName[..<underscore]),
              fileName[..<underscore].allSatisfy({ ("0"..."9").contains($0) }),  // Int() also takes "+1"
              version > 0
        else { throw MigrationError.invalidFileName(fileName) }
        let name = String(fileName[fileName.index(after: underscore)...].dropLast(4))
        guard !name.isEmpty else { throw MigrationError.invalidFileName(fileName) }
        guard let sql = String(validating: contents, as: UTF8.self) else {
            throw MigrationError.invalidEncoding(fileName)
        }
        self.version = version
        self.name = name
        self.fileName = fileName
        self.sql = sql
        self.checksum = SHA256.hash(data: contents).map { String(format: "%02x", $0) }.joined()
        self.runsInTransaction = !sql.split(whereSeparator: \.isNewline).contains {
            $0.trimmingCharacters(in: .whitespaces) == Self.noTransactionMarker
        }
    }

    /// The migrations compiled into this library, in version order.
    public static func bundled() throws -> [Migration] {
        try ordered(EmbeddedMigrations.files.map { try Migration(fileName: $0.fileName, contents: $0.bytes) })
    }

    /// Reads `*.sql` from a folder, in version order (tests compare it with ``bundled()``).
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        return try ordered(files.map { try Migration(fileName: $0.lastPathComponent, contents: [UInt8](Data(contentsOf: $0))) })
    }

    static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let byVersion = Dictionary(grouping: migrations, by: \.version)
        if let clash = byVersion.first(where: { $0.value.count > 1 }) {
            throw MigrationError.duplicateVersion(clash.key, clash.value.map(\.fileName).sorted())
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
