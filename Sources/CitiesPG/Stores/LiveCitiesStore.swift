import CitiesCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// ``CitiesRepository`` on PostgreSQL whose hot reads — the city list, one city, the current event
/// counts — come from a ``CityCountsState`` in memory, so their cost does not grow with the events.
///
/// The state is loaded once from ``event_day_counts`` and then moved by the changes every writer
/// (any replica, any SQL) leaves in `event_count_changes`, read every `pollInterval` by transaction
/// id: each refresh runs in one REPEATABLE READ snapshot and applies exactly the transactions that
/// snapshot sees and earlier refreshes did not, so no change is missed or applied twice, whatever
/// order transactions commit in. Time passing is applied in memory: the state knows every counted
/// event ending before its horizon, read ahead with an index range scan on `ends_at`.
///
/// Writes go to ``PostgresCitiesStore`` and refresh before returning, so a client reads its own
/// writes. Windows and histograms are answered by ``PostgresCitiesStore`` from the day counts.
/// Run it as a `Service` (after the pool) to keep polling.
public final class LiveCitiesStore: CitiesRepository, VersionedReads, Service {
    public struct Configuration: Sendable {
        /// How often changes from other writers are looked for: the bound on their staleness.
        public var pollInterval: Duration = .milliseconds(20)
        /// How far ahead the events ending soon are known.
        public var lookahead: TimeInterval = 3600
        /// Changes are kept this long; a replica that could not poll for half of it reloads.
        public var changeRetention: TimeInterval = 600

        public init() {}
    }

    public let database: PostgresCitiesStore
    public let configuration: Configuration
    private let state = Mutex<CityCountsState?>(nil)
    /// Held for a whole refresh, on a pool thread: refreshes never overlap.
    private let feed = Mutex(FeedPosition())
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// Where the change log has been read up to.
    private struct FeedPosition {
        /// Every transaction below this id has been applied (or predates the load).
        var xmin: UInt64 = 0
        /// Transactions at or above `xmin` already applied.
        var applied: Set<UInt64> = []
        var lastRefresh: Date?
        /// Snapshot minimums seen, oldest first, to prune changes every replica has read.
        var observed: [(at: Date, xmin: UInt64)] = []
    }

    public init(pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "citiesd.counts"),
                clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = PostgresCitiesStore(pool: pool)
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    // MARK: Service

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.refresh()
                } catch {
                    self.logger.warning("event counts refresh failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: self.configuration.pollInterval)
            }
        }
    }

    /// Reads the changes committed since the last refresh (the first call loads everything).
    public func refresh() async throws {
        let now = PostgresTimestamp.rounded(clock())
        try await database.pool.withConnection { connection in
            try self.feed.withLock { position in try self.refresh(&position, on: connection, now: now) }
        }
    }

    // MARK: Reads

    public func readVersion(now: Date) async throws -> UInt64? {
        try await current(now: now)?.version
    }

    public func list(_ query: CityListQuery, now: Date) async throws -> CityPage {
        guard let state = try await current(now: now) else { return try await database.list(query, now: now) }
        return state.page(query)
    }

    public func city(id: Int64, now: Date) async throws -> CityWithEventCount? {
        guard let state = try await current(now: now) else { return try await database.city(id: id, now: now) }
        return state.city(id: id)
    }

    public func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        guard filter.window == nil, let state = try await current(now: now) else {
            return try await database.eventCounts(filter, countryCode: countryCode, now: now)
        }
        return state.eventCounts(categories: filter.categories, countryCode: countryCode)
    }

    public func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        try await database.histogram(cityID: cityID, interval: interval, from: from, to: to, categories: categories)
    }

    // MARK: Writes

    public func create(_ draft: CityDraft) async throws -> City {
        try await refreshed(try await database.create(draft))
    }

    public func update(id: Int64, with draft: CityDraft) async throws -> City? {
        try await refreshed(try await database.update(id: id, with: draft))
    }

    public func delete(id: Int64) async throws -> Bool {
        try await refreshed(try await database.delete(id: id))
    }

    public func upsert(_ events: [Event]) async throws -> UpsertSummary {
        try await refreshed(try await database.upsert(events))
    }

    public func delete(externalID: String) async throws -> Bool {
        try await refreshed(try await database.delete(externalID: externalID))
    }

    /// A write's result, returned once this replica's state includes the write (read-your-writes).
    private func refreshed<Result>(_ result: Result) async throws -> Result {
        try await refresh()
        return result
    }

    // MARK: State

    /// The state moved to `now`, or nil when the database must answer: `now` is well before what
    /// the state knows (a question about the past), or beyond its horizon even after a refresh.
    private func current(now: Date) async throws -> CityCountsState? {
        let now = PostgresTimestamp.rounded(now)
        switch reading(at: now) {
        case .state(let state): return state
        case .past: return nil
        case .beyondHorizon:
            try await refresh()
            if case .state(let state) = reading(at: now) { return state }
            return nil
        }
    }

    private enum Reading {
        case state(CityCountsState)
        case past
        case beyondHorizon
    }

    /// Requests racing each other see the state a moment after their own `now` (another request
    /// moved it on): within `Self.concurrencySlack` that is the answer for a request still being
    /// handled, as good as any.
    private func reading(at now: Date) -> Reading {
        state.withLock { state in
            guard let watermark = state?.watermark else { return .beyondHorizon }
            if now < watermark { return watermark.timeIntervalSince(now) <= Self.concurrencySlack ? .state(state!) : .past }
            guard state!.covers(now) else { return .beyondHorizon }
            state!.advance(to: now)
            return .state(state!)
        }
    }

    private static let concurrencySlack: TimeInterval = 1

    private func refresh(_ position: inout FeedPosition, on connection: PostgresConnection, now: Date) throws {
        let stale = position.lastRefresh.map { now.timeIntervalSince($0) > configuration.changeRetention / 2 } ?? true
        let horizon = state.withLock { $0?.horizon }
        try connection.transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            let xmin = try Self.snapshotXmin(connection)
            if stale || horizon == nil {
                let loaded = try load(on: connection, now: now)
                position.applied = try Set(connection.query("SELECT DISTINCT xid::text FROM event_count_changes WHERE xid >= $1::xid8", [String(xmin)])
                    .rows.map { try Self.xid($0, at: 0) })
                state.withLock { $0 = loaded }
                logger.debug("event counts loaded", metadata: ["xmin": "\(xmin)"])
            } else if let horizon {
                try applyChanges(since: &position, on: connection, horizon: horizon, now: now, snapshotXmin: xmin)
            }
            position.xmin = xmin
            position.applied = position.applied.filter { $0 >= xmin }
        }
        position.lastRefresh = now
        try pruneChanges(&position, on: connection, now: now)
    }

    private func load(on connection: PostgresConnection, now: Date) throws -> CityCountsState {
        // Current counts = events ending after today's midnight (day counts) minus those that
        // ended between midnight and now (one day of the ends_at index).
        let counts = try connection.query("""
            SELECT city_id, category, sum(n)::int8 FROM (
                SELECT city_id, category, sum(ending) AS n FROM event_day_counts
                WHERE day >= ($2::timestamptz AT TIME ZONE 'UTC')::date GROUP BY city_id, category
                UNION ALL
                SELECT city_id, category, -count(*) FROM events
                WHERE status = 'scheduled' AND ends_at > $2::timestamptz AND ends_at <= $1::timestamptz
                GROUP BY city_id, category
            ) parts
            GROUP BY city_id, category HAVING sum(n) <> 0
            """, [now, UTCDay.start(of: now)]).rows.reduce(into: [Int64: [String: Int]]()) { counts, row in
                counts[try row.decode(Int64.self, at: 0), default: [:]][try row.decode(String.self, at: 1)] = try row.decode(Int.self, at: 2)
            }
        let horizon = now + configuration.lookahead
        return CityCountsState(cities: try Self.cities(connection), counts: counts, ending: try Self.ending(connection, after: now, until: horizon),
                               watermark: now, horizon: horizon)
    }

    private func applyChanges(since position: inout FeedPosition, on connection: PostgresConnection, horizon: Date, now: Date, snapshotXmin: UInt64) throws {
        let rows = try connection.query(
            "SELECT xid::text, city_id, category, ends_at, delta FROM event_count_changes WHERE xid >= $1::xid8", [String(position.xmin)]).rows
        // Netted per event before applying: the rows of one refresh come in no useful order (a
        // transaction may remove an event version that a later transaction id added).
        var changes: [CityCountsState.CountedEvent: Int] = [:]
        var citiesChanged = false
        for row in rows {
            let xid = try Self.xid(row, at: 0)
            guard !position.applied.contains(xid) else { continue }
            if let cityID = try row.decode(Int64?.self, at: 1) {
                let event = CityCountsState.CountedEvent(cityID: cityID, category: try row.decode(String.self, at: 2), endsAt: try row.decode(Date.self, at: 3))
                changes[event, default: 0] += try row.decode(Int.self, at: 4)
            } else {
                citiesChanged = true
            }
        }
        position.applied.formUnion(try rows.map { try Self.xid($0, at: 0) })
        let cities = citiesChanged ? try Self.cities(connection) : nil
        let newHorizon = now + configuration.lookahead
        let extending = newHorizon.timeIntervalSince(horizon) > configuration.lookahead / 2
        let ending = extending ? try Self.ending(connection, after: horizon, until: newHorizon) : []
        guard !changes.isEmpty || cities != nil || extending else { return }
        state.withLock { state in
            guard state != nil else { return }
            for (event, delta) in changes where delta != 0 { state!.apply(event, delta: delta) }
            if let cities { state!.replaceCities(cities) }
            if extending { state!.extendHorizon(to: newHorizon, ending: ending) }
        }
    }

    /// Deletes changes older than every replica can still need: those below a snapshot minimum seen
    /// `changeRetention` ago (a replica that has not polled for half of that reloads instead).
    private func pruneChanges(_ position: inout FeedPosition, on connection: PostgresConnection, now: Date) throws {
        if position.observed.last.map({ now.timeIntervalSince($0.at) >= 60 }) ?? true {
            position.observed.append((now, position.xmin))
        }
        guard let expired = position.observed.lastIndex(where: { now.timeIntervalSince($0.at) >= configuration.changeRetention }) else { return }
        try connection.query("DELETE FROM event_count_changes WHERE xid < $1::xid8", [String(position.observed[expired].xmin)])
        position.observed.removeFirst(expired + 1)
    }

    private static func snapshotXmin(_ connection: PostgresConnection) throws -> UInt64 {
        try xid(try connection.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").first!, at: 0)
    }

    private static func xid(_ row: PostgresRow, at column: Int) throws -> UInt64 {
        let text = try row.decode(String.self, at: column)
        guard let value = UInt64(text) else { throw PostgresError.unexpected("transaction id \(text) is not a number") }
        return value
    }

    private static func cities(_ connection: PostgresConnection) throws -> [City] {
        try connection.query("SELECT \(PostgresCitiesStore.cityColumns) FROM cities c").rows.map(PostgresCitiesStore.city(from:))
    }

    private static func ending(_ connection: PostgresConnection, after start: Date, until end: Date) throws -> [CityCountsState.CountedEvent] {
        try connection.query("""
            SELECT city_id, category, ends_at FROM events
            WHERE status = 'scheduled' AND ends_at > $1::timestamptz AND ends_at <= $2::timestamptz
            """, [start, end]).rows.map { row in
                CityCountsState.CountedEvent(cityID: try row.decode(Int64.self, at: 0), category: try row.decode(String.self, at: 1),
                                             endsAt: try row.decode(Date.self, at: 2))
            }
    }
}
