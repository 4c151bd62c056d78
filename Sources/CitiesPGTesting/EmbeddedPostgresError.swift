import CitiesPG
/// Why a private PostgreSQL cluster could not be created, started or stopped.
public enum EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// No folder holds `initdb`, `pg_ctl` and `postgres` (see ``PostgresBinaries/locate(environment:)``):
    /// install the PostgreSQL server.
    case binariesNotFound
    /// A program or system call failed: `status` is its exit status (128 + signal when killed) or
    /// error number, `output` what it printed or the error's text. ``EmbeddedPostgres/logFile`` may
    /// say more.
    case commandFailed(command: String, status: Int32, output: String)
    /// The socket's path exceeds the 107 bytes a unix socket allows: use a shorter folder.
    case socketPathTooLong(String)
    /// Running as root, and neither `postgres` nor `nobody` exists to run the server: create one.
    case noUnprivilegedUser
    /// A server already runs on the data directory: stop it or use another folder.
    case alreadyRunning(dataDirectory: String)
    /// Running as root, the server's user cannot reach the cluster folder: make the folders above
    /// it searchable (`chmod o+x`) or move the cluster.
    case directoryNotAccessible(path: String, user: String)

    public var description: String {
        switch self {
        case .binariesNotFound:
            return "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in PATH, `pg_config --bindir` "
                + "or /usr/lib/postgresql/*/bin. Install them, e.g. `apt-get install postgresql`."
        case .commandFailed(let command, let status, let output):
            return "\(command) exited with status \(status):\n\(output)"
        case .socketPathTooLong(let path):
            return "the unix socket path \(path) is longer than the 107 bytes the OS allows; use a shorter cluster folder"
        case .noUnprivilegedUser:
            return "PostgreSQL refuses to run as root and no unprivileged user (postgres, nobody) exists; "
                + "create one or run as a normal user"
        case .directoryNotAccessible(let path, let user):
            return "PostgreSQL runs as \(user) (it refuses root), and \(user) cannot reach \(path); make the folders above it "
                + "searchable (chmod o+x) or put the cluster elsewhere"
        case .alreadyRunning(let dataDirectory):
            return "a PostgreSQL server is already running on \(dataDirectory); stop it "
                + "(pg_ctl -D \(dataDirectory) stop) or use another folder"
        }
    }
}
