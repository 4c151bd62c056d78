import CLibPQ
import Foundation

/// One libpq connection.
///
/// Every method blocks the calling thread until the server answers, so call them only on threads
/// that may block: ``PostgresPool`` runs its callers' closures on its own threads. A connection is
/// used by one thread at a time; the pool hands it to one closure at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    public let configuration: PostgresConfiguration
    /// Prepared statement names by statement text and parameter types, per connection.
    private var preparedStatements: [PreparedStatementKey: String] = [:]

    private struct PreparedStatementKey: Hashable {
        let sql: String
        let parameterTypes: [UInt32]
    }

    private init(handle: OpaquePointer, configuration: PostgresConfiguration) {
        self.handle = handle
        self.configuration = configuration
    }

    private var isClosed = false

    deinit { close() }

    /// Ends the session. The connection cannot be used afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        PQfinish(handle)
    }

    /// Opens a connection; blocks until it is established or has failed. A failed attempt frees
    /// everything libpq allocated for it.
    public static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        try configuration.validate()
        // Our defaults come first: with expand_dbname the connection string expands in place of
        // `dbname` and overrides them, and libpq fills whatever is still unset from PG* variables.
        var parameters: [(String, String)] = [
            ("fallback_application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
        ]
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            parameters.append(("connect_timeout", String(configuration.connectTimeoutSeconds)))
        }
        parameters.append(("dbname", configuration.connectionString))
        let handle = withCStringArray(parameters.map(\.0)) { keywords in
            withCStringArray(parameters.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle else {
            throw PostgresError.connectionFailed(message: "out of memory", target: configuration.redactedDescription)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
            PQfinish(handle)
            throw PostgresError.connectionFailed(message: message, target: configuration.redactedDescription)
        }
        // Notices (e.g. "relation already exists, skipping") are informational; libpq would print
        // them to stderr, outside structured logging.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let connection = PostgresConnection(handle: handle, configuration: configuration)
        for (setting, timeout) in [("statement_timeout", configuration.statementTimeout), ("lock_timeout", configuration.lockTimeout)] {
            guard let timeout else { continue }
            try connection.query("SELECT set_config($1, $2, false)", [setting, "\(timeout.milliseconds)ms"])
        }
        return connection
    }

    // MARK: Queries

    /// Runs one statement with bound parameters (`$1`, `$2`, …) and returns its rows in binary form.
    /// The statement is prepared once per connection and reused.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresResult {
        let parameterTypes = parameters.map { $0.map { type(of: $0).typeOID } ?? 0 }
        let statementName = try preparedStatementName(sql: sql, parameterTypes: parameterTypes)
        let values = try parameters.enumerated().map { index, value in try Self.checked(value?.postgresParameter(), index: index + 1) }
        let result = withBoundParameters(values) { pointers, lengths, formats in
            PQexecPrepared(handle, statementName, Int32(values.count), pointers, lengths, formats, 1)
        }
        return try checkedResult(result)
    }

    /// Runs trusted SQL text that may hold several statements, with no parameters (migrations).
    /// Never pass text built from input here: use ``query(_:_:)``.
    @discardableResult
    public func execute(script: String) throws -> PostgresResult {
        try checkedResult(PQexec(handle, script))
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    /// `characteristics` is trusted SQL such as `ISOLATION LEVEL REPEATABLE READ READ ONLY`.
    public func transaction<T>(_ characteristics: String = "", _ body: () throws -> T) throws -> T {
        try execute(script: characteristics.isEmpty ? "BEGIN" : "BEGIN \(characteristics)")
        let value: T
        do {
            value = try body()
        } catch {
            if PQstatus(handle) == CONNECTION_OK { _ = try? execute(script: "ROLLBACK") }
            throw error
        }
        try execute(script: "COMMIT")
        return value
    }

    /// Streams rows into `COPY … FROM STDIN` (text format) and returns the number of rows copied.
    /// `copyStatement` is trusted SQL naming the table and columns; the values travel as data.
    @discardableResult
    public func copy<Rows: Sequence>(_ copyStatement: String, rows: Rows) throws -> Int where Rows.Element == [String?] {
        try startCopy(PQexec(handle, copyStatement))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        do {
            for (rowIndex, row) in rows.enumerated() {
                try CopyTextFormat.append(row, rowNumber: rowIndex + 1, to: &buffer)
                if buffer.count >= 1 << 16 {
                    try sendCopyData(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if !buffer.isEmpty { try sendCopyData(buffer) }
        } catch {
            PQputCopyEnd(handle, "\(error)")
            _ = try? drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionLostError() }
        return try drainResults()?.affectedRows ?? 0
    }

    // MARK: State

    /// False once libpq knows the connection is broken.
    public var isOpen: Bool { !isClosed && PQstatus(handle) == CONNECTION_OK }

    /// True when the connection is open and not inside a transaction block.
    var isIdle: Bool { isOpen && PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Checks, without a round trip, that an idle connection is still good: an idle connection
    /// has nothing to read, so readable data (the server's shutdown notice) or a hang-up means the
    /// server went away and the connection must be replaced.
    func isUsableAfterIdling() -> Bool {
        guard isIdle else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { return false }
        return poll(&descriptor, 1, 0) == 0
    }

    /// The server's process id for this session (useful to cancel or terminate it).
    public var backendPID: Int32 { PQbackendPID(handle) }

    // MARK: Internals

    private func preparedStatementName(sql: String, parameterTypes: [UInt32]) throws -> String {
        let key = PreparedStatementKey(sql: sql, parameterTypes: parameterTypes)
        if let name = preparedStatements[key] { return name }
        let name = "citiesd_\(preparedStatements.count + 1)"
        let result = parameterTypes.withUnsafeBufferPointer { types in
            PQprepare(handle, name, sql, Int32(types.count), types.baseAddress)
        }
        _ = try checkedResult(result)
        preparedStatements[key] = name
        return name
    }

    private static func checked(_ value: PostgresParameterValue?, index: Int) throws -> PostgresParameterValue? {
        if case .text(let text) = value, text.utf8.contains(0) {
            throw PostgresError.invalidParameter(index: index, reason: "text holds a NUL byte, which PostgreSQL cannot store")
        }
        return value
    }

    private func sendCopyData(_ bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw connectionLostError() }
    }

    private func startCopy(_ result: OpaquePointer?) throws {
        guard let result else { throw connectionLostError() }
        if PQresultStatus(result) == PGRES_COPY_IN {
            PQclear(result)
            return
        }
        _ = try checkedResult(result)
        throw PostgresError.unexpected("the statement given to copy(_:rows:) is not COPY … FROM STDIN")
    }

    /// Reads results until libpq has none left; throws the first error, returns the last result.
    private func drainResults() throws -> PostgresResult? {
        var last: PostgresResult?
        var firstError: Error?
        while let result = PQgetResult(handle) {
            do { last = try checkedResult(result) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
        return last
    }

    private func checkedResult(_ result: OpaquePointer?) throws -> PostgresResult {
        guard let result else { throw connectionLostError() }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result)
        default:
            defer { PQclear(result) }
            if let serverError = Self.serverError(from: result) {
                if PQstatus(handle) != CONNECTION_OK && !serverError.isUnavailable { throw connectionLostError() }
                throw PostgresError.server(serverError)
            }
            throw PQstatus(handle) == CONNECTION_OK
                ? PostgresError.unexpected(String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace())
                : connectionLostError()
        }
    }

    private func connectionLostError() -> PostgresError {
        .connectionLost(message: String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace())
    }

    private static func serverError(from result: OpaquePointer) -> PostgresServerError? {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        guard let sqlState = field(UInt8(ascii: "C")) else { return nil }
        return PostgresServerError(
            sqlState: sqlState,
            severity: field(UInt8(ascii: "V")) ?? field(UInt8(ascii: "S")) ?? "ERROR",
            message: field(UInt8(ascii: "M")) ?? "",
            detail: field(UInt8(ascii: "D")),
            hint: field(UInt8(ascii: "H")),
            position: field(UInt8(ascii: "P")).flatMap { Int($0) },
            schema: field(UInt8(ascii: "s")),
            table: field(UInt8(ascii: "t")),
            column: field(UInt8(ascii: "c")),
            constraint: field(UInt8(ascii: "n"))
        )
    }
}

/// Calls `body` with a NULL-terminated `char **` view of `strings`.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Lays the parameter values out in one buffer and calls `body` with libpq's three parallel arrays.
private func withBoundParameters<R>(
    _ values: [PostgresParameterValue?],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
) -> R {
    var storage: [UInt8] = []
    var offsets: [Int?] = []
    var lengths: [Int32] = []
    var formats: [Int32] = []
    for value in values {
        switch value {
        case nil:
            offsets.append(nil)
            lengths.append(0)
            formats.append(0)
        case .text(let text):
            offsets.append(storage.count)
            storage.append(contentsOf: text.utf8)
            lengths.append(Int32(text.utf8.count))
            storage.append(0)
            formats.append(0)
        case .binary(let bytes):
            offsets.append(storage.count)
            storage.append(contentsOf: bytes)
            lengths.append(Int32(bytes.count))
            storage.append(0)
            formats.append(1)
        }
    }
    return storage.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress)
        let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
            offset.flatMap { base?.advanced(by: $0).assumingMemoryBound(to: CChar.self) }
        }
        return pointers.withUnsafeBufferPointer { pointerBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                formats.withUnsafeBufferPointer { formatBuffer in
                    body(pointerBuffer.baseAddress, lengthBuffer.baseAddress, formatBuffer.baseAddress)
                }
            }
        }
    }
}
