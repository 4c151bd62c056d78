/// Why the migration runner stopped.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// A file is not named `NNNN_description.sql` with a positive version: rename it.
    case invalidFileName(String)
    /// A file is not valid UTF-8: save it as UTF-8.
    case invalidEncoding(String)
    /// Several files, listed, have the same version: renumber all but one (the one applied, if any).
    case duplicateVersion(Int, [String])
    /// Applied migrations whose files have changed since (checksum drift).
    case drift([Migration])
    /// A statement failed; nothing of the migration stays applied (unless it opted out of a transaction).
    case failed(fileName: String, line: Int, error: PGError)

    public var description: String {
        switch self {
        case .invalidFileName(let name):
            return "migration file \(name) is not named NNNN_description.sql"
        case .invalidEncoding(let name):
            return "migration file \(name) is not valid UTF-8"
        case .duplicateVersion(let version, let files):
            return "migration version \(version) is used by several files: \(files.joined(separator: ", "))"
        case .drift(let migrations):
            let files = migrations.map(\.fileName).joined(separator: ", ")
            return "checksum drift: \(files) changed after being applied. Restore the applied version of the file "
                + "and put the change in a new migration."
        case .failed(let fileName, let line, let error):
            if let server = error.serverError {
                var text = "migration \(fileName) failed at line \(line): \(server.message) (SQLSTATE \(server.sqlState))"
                if let detail = server.detail { text += "; detail: \(detail)" }
                if let hint = server.hint { text += "; hint: \(hint)" }
                return text
            }
            return "migration \(fileName) failed at line \(line): \(error)"
        }
    }
}
