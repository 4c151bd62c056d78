import CitiesPG

/// Why a private PostgreSQL cluster could not be created, started or stopped.
///
/// A struct with a ``code`` rather than an enum, like `PGError`: a new kind of failure does not
/// break a caller's `switch`. ``description`` says what went wrong and what to do.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case binariesNotFound, commandFailed, socketPathTooLong, noUnprivilegedUser, alreadyRunning, directoryNotAccessible
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No folder holds `initdb`, `pg_ctl` and `postgres` (see ``PostgresBinaries/locate(environment:)``):
        /// install the PostgreSQL server.
        public static let binariesNotFound = Code(.binariesNotFound)
        /// A program or system call failed; ``EmbeddedPostgresError/command`` names it, and
        /// ``EmbeddedPostgres/logFile`` may say more.
        public static let commandFailed = Code(.commandFailed)
        /// The socket's path exceeds the 107 bytes a unix socket allows: use a shorter folder.
        public static let socketPathTooLong = Code(.socketPathTooLong)
        /// Running as root, and neither `postgres` nor `nobody` exists to run the server: create one.
        public static let noUnprivilegedUser = Code(.noUnprivilegedUser)
        /// A server already runs on the data directory: stop it or use another folder.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// Running as root, the server's user cannot reach the cluster folder: make the folders above
        /// it searchable (`chmod o+x`) or move the cluster.
        public static let directoryNotAccessible = Code(.directoryNotAccessible)

        /// The code's name, e.g. `binariesNotFound`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure: compare it with `==`, or `switch` over it with a `default`.
    public let code: Code
    /// For ``Code/commandFailed``: the program or system call that failed.
    public let command: String?
    /// What went wrong and what to do.
    public let description: String

    private init(_ code: Code, command: String? = nil, _ description: String) {
        self.code = code
        self.command = command
        self.description = description
    }

    package static let binariesNotFound = EmbeddedPostgresError(
        .binariesNotFound,
        "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in PATH, `pg_config --bindir` "
            + "or /usr/lib/postgresql/*/bin. Install them, e.g. `apt-get install postgresql`.")

    /// `status` is the exit status (128 + signal when killed) or error number; `output` what the
    /// program printed or the error's text.
    package static func commandFailed(command: String, status: Int32, output: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(.commandFailed, command: command, "\(command) exited with status \(status):\n\(output)")
    }

    package static func socketPathTooLong(_ path: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(.socketPathTooLong,
                              "the unix socket path \(path) is longer than the 107 bytes the OS allows; use a shorter cluster folder")
    }

    package static let noUnprivilegedUser = EmbeddedPostgresError(
        .noUnprivilegedUser,
        "PostgreSQL refuses to run as root and no unprivileged user (postgres, nobody) exists; create one or run as a normal user")

    package static func alreadyRunning(dataDirectory: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(.alreadyRunning, "a PostgreSQL server is already running on \(dataDirectory); stop it "
            + "(pg_ctl -D \(dataDirectory) stop) or use another folder")
    }

    package static func directoryNotAccessible(path: String, user: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(.directoryNotAccessible, "PostgreSQL runs as \(user) (it refuses root), and \(user) cannot reach "
            + "\(path); make the folders above it searchable (chmod o+x) or put the cluster elsewhere")
    }
}
