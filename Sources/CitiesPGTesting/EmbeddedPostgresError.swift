import CitiesPG
/// Why a private PostgreSQL cluster could not be created, started or stopped.
public enum EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    case binariesNotFound
    case commandFailed(command: String, status: Int32, output: String)
    case socketPathTooLong(String)
    case noUnprivilegedUser
    case alreadyRunning(dataDirectory: String)
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
