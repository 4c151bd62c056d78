import CLibPQ
import CoreMetrics
import Foundation

/// One libpq connection.
///
/// Every method blocks the calling thread until the server answers, so call them only on threads
/// that may block: ``PGPool`` runs its callers' closures on its own threads. A connection is
/// used by one thread at a time; the pool hands it to one closure at a time.
///
/// The socket is driven through libpq's non-blocking API, waiting with `poll`, so that with a
/// ``PGConfiguration/responseTimeout`` a server that stops answering (hung, frozen, cut off
/// without a reset) costs at most that long: the connection is then abandoned and the call throws
/// ``PGError/Code/responseTimeout``. `statement_timeout` cannot do this; it needs the server.
public final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// What the connection was opened with; its response timeout and prepared-statement capacity
    /// apply to every call.
    public let configuration: PGConfiguration
    /// Prepared statements by statement text and parameter types, at most
    /// ``PGConfiguration/preparedStatementCapacity``; the least recently used one is deallocated
    /// to make room.
    private var preparedStatements: [PreparedStatementKey: PreparedStatement] = [:]
    /// Counts statement uses: recency, and a unique name for each statement prepared.
    private var useCount = 0

    private struct PreparedStatementKey: Hashable {
        let sql: String
        let parameterTypes: [UInt32]
    }

    private struct PreparedStatement {
        let name: String
        var lastUse: Int
        /// Its durations, when the connection reports metrics.
        let timer: CoreMetrics.Timer?
    }

    private init(handle: OpaquePointer, configuration: PGConfiguration) {
        self.handle = handle
        self.configuration = configuration
    }

    private var isClosed = false
    /// When the operation in progress must have had its answer.
    private var deadline: ContinuousClock.Instant?
    /// How long the operation in progress was given.
    private var exchangeBudget: Duration = .zero
    /// No exchange runs past this; the pool sets it from ``PGPool/deadline``.
    var ceiling: ContinuousClock.Instant?
    /// Where statement durations and failures are counted; the pool sets it.
    var metrics: PGPoolMetrics?

    deinit { close() }

    /// Ends the session. The connection cannot be used afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        PQfinish(handle)
    }

    /// Opens a connection; blocks until it is established or has failed, at most the connect
    /// timeout (`connect_timeout` of the connection string, else `PGCONNECT_TIMEOUT`, else
    /// ``PGConfiguration/connectTimeoutSeconds``) and never past `deadline`. A failed attempt
    /// frees everything libpq allocated for it.
    public static func connect(_ configuration: PGConfiguration, until deadline: ContinuousClock.Instant? = nil) throws -> PGConnection {
        try configuration.validate()
        // Our defaults come first: with expand_dbname the connection string expands in place of
        // `dbname` and overrides them, and libpq fills whatever is still unset from PG* variables.
        let parameters: [(String, String)] = [
            ("fallback_application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
            ("dbname", configuration.connectionString),
        ]
        let handle = withCStringArray(parameters.map(\.0)) { keywords in
            withCStringArray(parameters.map(\.1)) { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        guard let handle else {
            throw PGError.connectionFailed(message: "out of memory", target: configuration.redactedDescription)
        }
        // Notices (e.g. "relation already exists, skipping") are informational; libpq would print
        // them to stderr, outside structured logging. A server shutting down sends one while the
        // connection is still being made, so this comes before the first poll.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        func failure(_ message: String) -> PGError {
            PQfinish(handle)
            return PGError.connectionFailed(message: message, target: configuration.redactedDescription)
        }
        // libpq ignores connect_timeout when driven through PQconnectPoll; it is enforced here.
        let timeout = Self.connectTimeout(handle) ?? (getenv("PGCONNECT_TIMEOUT").flatMap { Int(String(cString: $0)) }) ?? configuration.connectTimeoutSeconds
        var giveUp = ContinuousClock.now + .seconds(timeout > 0 ? max(timeout, 2) : Int(Int32.max))
        if let deadline { giveUp = min(giveUp, deadline) }
        var polling = PGRES_POLLING_WRITING
        while polling != PGRES_POLLING_OK {
            guard PQstatus(handle) != CONNECTION_BAD, polling != PGRES_POLLING_FAILED else {
                throw failure(String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace())
            }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), revents: 0)
            let remaining = giveUp - .now
            guard remaining > .zero else { throw failure("no answer within the connect timeout") }
            let ready = poll(&descriptor, 1, Int32(clamping: remaining.milliseconds + 1))
            if ready < 0 && errno != EINTR { throw failure(String(cString: strerror(errno))) }
            if ready > 0 { polling = PQconnectPoll(handle) }
        }
        guard PQsetnonblocking(handle, 1) == 0 else {
            throw failure(String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace())
        }
        let connection = PGConnection(handle: handle, configuration: configuration)
        connection.ceiling = deadline
        defer { connection.ceiling = nil }
        for (setting, timeout) in [("statement_timeout", configuration.statementTimeout), ("lock_timeout", configuration.lockTimeout)] {
            guard let timeout else { continue }
            try connection.query("SELECT set_config($1, $2, false)", [setting, "\(timeout.milliseconds)ms"])
        }
        return connection
    }

    /// The `connect_timeout` in effect for a connection being made, if any is set.
    private static func connectTimeout(_ handle: OpaquePointer) -> Int? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var entry = options
        while let keyword = entry.pointee.keyword {
            if String(cString: keyword) == "connect_timeout" { return entry.pointee.val.flatMap { Int(String(cString: $0)) } }
            entry += 1
        }
        return nil
    }

    // MARK: Queries

    /// Runs one statement with bound parameters (`$1`, `$2`, …) and returns its rows in binary form.
    /// The statement is prepared once per connection and reused.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PGEncodable)?] = []) throws -> PGResult {
        let parameterTypes = parameters.map { $0.map { type(of: $0).typeOID } ?? 0 }
        let values = try parameters.enumerated().map { index, value in try Self.checked(value?.postgresParameter(), index: index + 1) }
        return try withDeadline {
            do {
                let statement = try preparedStatement(sql: sql, parameterTypes: parameterTypes)
                let start = ContinuousClock.now
                try send {
                    withBoundParameters(values) { pointers, lengths, formats in
                        PQsendQueryPrepared(handle, statement.name, Int32(values.count), pointers, lengths, formats, 1)
                    }
                }
                let result = try awaitResults()
                statement.timer?.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                return result
            } catch let error as PGError {
                metrics?.failed(error)
                throw error
            }
        }
    }

    /// Runs trusted SQL text that may hold several statements, with no parameters (migrations).
    /// Never pass text built from input here: use ``query(_:_:)``.
    @discardableResult
    package func execute(script: String) throws -> PGResult {
        try withDeadline {
            try send { PQsendQuery(handle, script) }
            return try awaitResults()
        }
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    public func transaction<T>(_ mode: PGTransactionMode = .default, _ body: () throws -> T) throws -> T {
        try execute(script: mode.beginStatement)
        let value: T
        do {
            value = try body()
        } catch {
            // A response timeout has closed the connection already: its handle is freed.
            if isOpen { _ = try? execute(script: "ROLLBACK") }
            throw error
        }
        try execute(script: "COMMIT")
        return value
    }

    /// Streams rows into `COPY … FROM STDIN` (text format) and returns the number of rows copied.
    /// `copyStatement` is trusted SQL naming the table and columns; the values travel as data.
    @discardableResult
    public func copy<Rows: Sequence>(_ copyStatement: String, rows: Rows) throws -> Int where Rows.Element == [String?] {
        try withDeadline {
            try send { PQsendQuery(handle, copyStatement) }
            try startCopy(try nextResult())
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
            } catch let error as PGError where error.isResponseTimeout {
                throw error
            } catch {
                try send { PQputCopyEnd(handle, "\(error)") }
                _ = try? awaitResults()
                throw error
            }
            try send { PQputCopyEnd(handle, nil) }
            return try awaitResults().affectedRows
        }
    }

    // MARK: Notifications

    /// Waits until a notification arrives on a channel this session LISTENs to, `wakeDescriptor`
    /// becomes readable, or `timeout` passes, and answers the channels notified since the last
    /// call (each once; empty when woken or timed out). Throws when the connection is lost.
    package func awaitNotifications(timeout: Duration, orReadable wakeDescriptor: Int32) throws -> Set<String> {
        guard !isClosed else { throw PGError.connectionLost(message: "the connection was closed") }
        var channels = takeNotifications()
        guard channels.isEmpty else { return channels }
        var descriptors = [pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        guard descriptors[0].fd >= 0 else { throw connectionLostError() }
        let ready = poll(&descriptors, 2, Int32(clamping: timeout.milliseconds))
        if ready < 0 && errno != EINTR { throw connectionLostError() }
        if ready > 0 && descriptors[0].revents != 0 {
            guard PQconsumeInput(handle) == 1 else { throw connectionLostError() }
            channels = takeNotifications()
        }
        return channels
    }

    private func takeNotifications() -> Set<String> {
        var channels: Set<String> = []
        while let notification = PQnotifies(handle) {
            channels.insert(String(cString: notification.pointee.relname))
            PQfreemem(notification)
        }
        return channels
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

    /// The server's process id for this session (useful to cancel or terminate it); 0 once closed.
    public var backendPID: Int32 { isClosed ? 0 : PQbackendPID(handle) }

    // MARK: Internals

    private func preparedStatement(sql: String, parameterTypes: [UInt32]) throws -> PreparedStatement {
        let key = PreparedStatementKey(sql: sql, parameterTypes: parameterTypes)
        useCount += 1
        if let known = preparedStatements[key] {
            preparedStatements[key]?.lastUse = useCount
            return known
        }
        if preparedStatements.count >= max(configuration.preparedStatementCapacity, 1),
           let (oldest, statement) = preparedStatements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            try send { PQsendQuery(handle, "DEALLOCATE \(statement.name)") }
            _ = try awaitResults()
            preparedStatements[oldest] = nil
        }
        let name = "citiesd_\(useCount)"
        try send {
            parameterTypes.withUnsafeBufferPointer { types in
                PQsendPrepare(handle, name, sql, Int32(types.count), types.baseAddress)
            }
        }
        _ = try awaitResults()
        let statement = PreparedStatement(name: name, lastUse: useCount, timer: metrics?.statementTimer(PGPoolMetrics.statementName(of: sql)))
        preparedStatements[key] = statement
        return statement
    }

    private static func checked(_ value: PGParameterValue?, index: Int) throws -> PGParameterValue? {
        if case .text(let text) = value, text.utf8.contains(0) {
            throw PGError.invalidParameter(index: index, reason: "text holds a NUL byte, which PostgreSQL cannot store")
        }
        return value
    }

    private func sendCopyData(_ bytes: [UInt8]) throws {
        try send {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
        }
    }

    // MARK: Non-blocking I/O

    /// Runs one whole exchange with the server within ``PGConfiguration/responseTimeout``
    /// and before ``ceiling``.
    private func withDeadline<T>(_ body: () throws -> T) throws -> T {
        // After close() the handle is freed; libpq must never see it again.
        guard !isClosed else { throw PGError.connectionLost(message: "the connection was closed (after a response timeout or by close())") }
        let start = ContinuousClock.now
        deadline = [configuration.responseTimeout.map { start + $0 }, ceiling].compactMap { $0 }.min()
        exchangeBudget = deadline.map { $0 - start } ?? .zero
        defer { deadline = nil }
        return try body()
    }

    /// Queues a message with `submit` (a `PQsend…`/`PQput…` call: 1 queued, 0 try again once the
    /// socket can take more, -1 failed), then flushes it to the server.
    private func send(_ submit: () -> Int32) throws {
        while true {
            switch submit() {
            case 1:
                return try flush()
            case 0:
                try waitForSocket(writable: true)
            default:
                throw connectionLostError()
            }
        }
    }

    /// libpq's flush loop: while output remains, wait until the socket takes more or has input
    /// (which must be consumed, or the server could stall writing to us).
    private func flush() throws {
        while true {
            switch PQflush(handle) {
            case 0:
                return
            case 1:
                if try waitForSocket(writable: true) {
                    guard PQconsumeInput(handle) == 1 else { throw connectionLostError() }
                }
            default:
                throw connectionLostError()
            }
        }
    }

    /// The next result of the command in progress, waiting for the server without blocking in
    /// libpq; nil when the command has no more results.
    private func nextResult() throws -> OpaquePointer? {
        while PQisBusy(handle) == 1 {
            try waitForSocket(writable: false)
            guard PQconsumeInput(handle) == 1 else { throw connectionLostError() }
        }
        return PQgetResult(handle)
    }

    /// Reads results until the command has none left; throws the first error, returns the last result.
    private func awaitResults() throws -> PGResult {
        var last: PGResult?
        var firstError: Error?
        while let result = try nextResult() {
            do { last = try checkedResult(result) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
        guard let last else { throw connectionLostError() }
        return last
    }

    /// Waits until the socket is readable (or, with `writable`, writable or readable); returns
    /// whether it is readable. Past the deadline the connection is abandoned.
    @discardableResult
    private func waitForSocket(writable: Bool) throws -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0), revents: 0)
        guard descriptor.fd >= 0 else { throw connectionLostError() }
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else {
                    close()
                    throw PGError.responseTimeout(exchangeBudget)
                }
                timeout = Int32(clamping: remaining.milliseconds + 1)
            }
            let ready = poll(&descriptor, 1, timeout)
            if ready > 0 { return descriptor.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 }
            if ready < 0 && errno != EINTR { throw connectionLostError() }
        }
    }

    private func startCopy(_ result: OpaquePointer?) throws {
        guard let result else { throw connectionLostError() }
        if PQresultStatus(result) == PGRES_COPY_IN {
            PQclear(result)
            return
        }
        _ = try checkedResult(result)
        throw PGError.unexpected("the statement given to copy(_:rows:) is not COPY … FROM STDIN")
    }

    private func checkedResult(_ result: OpaquePointer?) throws -> PGResult {
        guard let result else { throw connectionLostError() }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PGResult(result)
        default:
            defer { PQclear(result) }
            if let serverError = Self.serverError(from: result) {
                if PQstatus(handle) != CONNECTION_OK && !serverError.isUnavailable { throw connectionLostError() }
                throw PGError.server(serverError)
            }
            // No SQLSTATE: libpq made the error itself, which it does when the server went away
            // ("server closed the connection unexpectedly") — sometimes before PQstatus says so.
            throw PGError.connectionLost(message: String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace())
        }
    }

    private func connectionLostError() -> PGError {
        .connectionLost(message: String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace())
    }

    private static func serverError(from result: OpaquePointer) -> PGServerError? {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        guard let sqlState = field(UInt8(ascii: "C")) else { return nil }
        return PGServerError(
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
    _ values: [PGParameterValue?],
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
