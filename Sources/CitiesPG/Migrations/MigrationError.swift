/// Why the migration runner stopped, or a migration file was refused.
///
/// A struct with a ``code`` rather than an enum, like ``PGError``: a new kind of failure does not
/// break a caller's `switch`. ``description`` says what went wrong and what to do, for an operator.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidFileName, invalidEncoding, duplicateVersion, drift, failed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file is not named `NNNN_description.sql` with a positive version of ASCII digits:
        /// rename it.
        public static let invalidFileName = Code(.invalidFileName)
        /// A file is not valid UTF-8: save it as UTF-8.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// Several files have the same version: renumber all but one (the one applied, if any).
        public static let duplicateVersion = Code(.duplicateVersion)
        /// Applied migrations whose files have changed since (checksum drift): restore the applied
        /// files and put the change in a new migration. Nothing was applied.
        public static let drift = Code(.drift)
        /// A statement failed; nothing of the migration stays applied (unless it opted out of a
        /// transaction with ``Migration/noTransactionMarker``). ``MigrationError/underlying`` says why.
        public static let failed = Code(.failed)

        /// The code's name, e.g. `drift`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure: compare it with `==`, or `switch` over it with a `default`.
    public let code: Code
    /// The files concerned: the misnamed or non-UTF-8 file, the files sharing a version (sorted),
    /// the drifted files, or the file that failed.
    public let fileNames: [String]
    /// For ``Code/failed``: the 1-based line of the statement that failed in its file.
    public let line: Int?
    /// For ``Code/failed``: the database's error, with the server's SQLSTATE, message and hint.
    public let underlying: PGError?
    /// What went wrong, naming the files, and what to do.
    public let description: String

    private init(_ code: Code, fileNames: [String], line: Int? = nil, underlying: PGError? = nil, _ description: String) {
        self.code = code
        self.fileNames = fileNames
        self.line = line
        self.underlying = underlying
        self.description = description
    }

    package static func invalidFileName(_ name: String) -> MigrationError {
        MigrationError(.invalidFileName, fileNames: [name], "migration file \(name) is not named NNNN_description.sql")
    }

    package static func invalidEncoding(_ name: String) -> MigrationError {
        MigrationError(.invalidEncoding, fileNames: [name], "migration file \(name) is not valid UTF-8")
    }

    package static func duplicateVersion(_ version: Int, _ files: [String]) -> MigrationError {
        MigrationError(.duplicateVersion, fileNames: files,
                       "migration version \(version) is used by several files: \(files.joined(separator: ", "))")
    }

    package static func drift(_ migrations: [Migration]) -> MigrationError {
        let files = migrations.map(\.fileName)
        return MigrationError(.drift, fileNames: files,
                              "checksum drift: \(files.joined(separator: ", ")) changed after being applied. Restore the applied "
                                  + "version of the file and put the change in a new migration.")
    }

    package static func failed(fileName: String, line: Int, error: PGError) -> MigrationError {
        var text = "migration \(fileName) failed at line \(line): \(error)"
        if let server = error.serverError {
            text = "migration \(fileName) failed at line \(line): \(server.message) (SQLSTATE \(server.sqlState))"
            if let detail = server.detail { text += "; detail: \(detail)" }
            if let hint = server.hint { text += "; hint: \(hint)" }
        }
        return MigrationError(.failed, fileNames: [fileName], line: line, underlying: error, text)
    }
}
