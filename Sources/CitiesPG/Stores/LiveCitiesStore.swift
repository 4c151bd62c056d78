import CitiesCore
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `CitiesRepository` on PostgreSQL whose hot reads — the city list, one city, the current event
/// counts — come from a `CityCountsState` in memory, so their cost does not grow with the events.
///
/// The state is loaded once from `event_day_counts` and then moved by the changes every writer
/// (any replica, any SQL) leaves in `event_count_changes`, read by transaction id when a writer's
/// commit notifies (a session of its own LISTENs) and at every poll: each refresh runs in one
/// REPEATABLE READ snapshot and applies exactly the transactions that snapshot sees and earlier
/// refreshes did not, so no change is missed or applied twice, whatever
/// order transactions commit in. Time passing is applied in memory: the state knows every counted
/// event ending before its horizon, read ahead with an index range scan on `ends_at`.
///
/// Writes go to ``PostgresCitiesStore`` and refresh before returning, so a client reads its own
/// writes; concurrent writers share refreshes (`RefreshCoalescer`). Any replica running it prunes the
/// change log. Windows and histograms are answered by ``PostgresCitiesStore`` from the day counts.
/// Run it as a `Service` (after the pool) to keep polling.
public final class LiveCitiesStore: CitiesRepository, VersionedReads, Service {
    /// How often a ``LiveCitiesStore`` polls, how far ahead it reads, and how long the change log
    /// is kept.
    public struct Configuration: Sendable {
        /// How often changes from other writers are looked for while no notification is heard:
        /// the bound on their staleness then.
        public var pollInterval: Duration = .milliseconds(20)
        /// Whether a session of its own LISTENs for the notification every writer's transaction
        /// sends on commit (migration `0008`), so other writers' changes show within a round trip.
        /// Turn it off where sessions cannot LISTEN (PgBouncer in transaction mode).
        public var listensForChanges = true
        /// How often it polls anyway while listening: the bound on staleness should a notification
        /// go unseen.
        public var pollIntervalWhileListening: Duration = .seconds(1)
        /// The longest wait between attempts while refreshes fail (the database is down); the wait
        /// doubles from `pollInterval` up to this (or to `pollInterval`, when that is longer).
        public var maxRetryDelay: Duration = .seconds(2)
        /// How far ahead the events ending soon are known.
        public var lookahead: TimeInterval = 3600
        /// Changes are kept this long after their transaction finished; a replica that could not
        /// poll for half of it reloads.
        public var changeRetention: TimeInterval = 600
        /// How often a polling replica prunes expired changes, at most `pruneBatch` rows at a time.
        public var pruneInterval: TimeInterval = 60
        /// Change-log rows deleted per statement; a full batch makes the next poll prune again.
        public var pruneBatch = 10_000

        /// Listens for changes and polls every second (every 20 ms while not listening), retries
        /// after at most 2 s, looks 1 hour ahead, keeps changes for 10 minutes and prunes every
        /// minute.
        public init() {}
    }

    let database: PostgresCitiesStore
    /// The timings it was created with.
    public let configuration: Configuration
    private let state = Mutex<CityCountsState?>(nil)
    /// Only refreshes change it, and they never overlap (``RefreshCoalescer``); read at the start of
    /// one and replaced at its end.
    private let feed = Mutex<FeedPosition?>(nil)
    private let refreshes = RefreshCoalescer()
    private let clock: @Sendable () -> Date
    private let logger: Logger
    /// While the database is down, each failed attempt would say so.
    private let warnings = LogThrottle(interval: .seconds(10))
    private let changeRows = Atomic<Int>(0)
    private let cityRows = Atomic<Int>(0)
    private let listening = Atomic<Bool>(false)
    private let listeningStarts = Atomic<Int>(0)
    private let metrics: LiveCountsMetrics

    /// Where the change log has been read up to: the snapshot of the last refresh. Every
    /// transaction it saw is applied; the others are those from `xmax` on and those in `inProgress`.
    private struct FeedPosition: Sendable {
        var xmax: UInt64
        var inProgress: [UInt64]
        var refreshedAt: Date
    }

    /// Reads nothing yet: the first read, ``refresh()`` or ``run()`` loads the state. `clock` dates
    /// refreshes and pruning (tests pass one they move); reads use the `now` they are given. Its
    /// metrics (`citiespg_counts_*`) go to `metrics`.
    public init(pool: PGPool, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "citiesd.counts"),
                clock: @escaping @Sendable () -> Date = Date.init, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.database = PostgresCitiesStore(pool: pool)
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.metrics = LiveCountsMetrics(factory: metrics, listens: configuration.listensForChanges)
    }

    /// Change log rows read by refreshes so far (loads not included).
    var changeRowsRead: Int { changeRows.load(ordering: .relaxed) }
    /// City rows read by loads and refreshes so far.
    var cityRowsRead: Int { cityRows.load(ordering: .relaxed) }
    /// Whether its session LISTENs for changes now.
    var isListening: Bool { listening.load(ordering: .relaxed) }
    /// How many times its session has started listening: once, plus once per reconnection.
    var listeningSessions: Int { listeningStarts.load(ordering: .relaxed) }

    // MARK: Service

    /// Listens for changes (refreshing on each notification) and polls every
    /// `pollIntervalWhileListening`, or every `pollInterval` while not listening; while refreshes
    /// fail, waits longer each time (with jitter, up to `maxRetryDelay`), and prunes the change log
    /// every `pruneInterval`.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if self.configuration.listensForChanges {
                    group.addTask { await self.refreshOnNotifications() }
                }
                await self.poll()
                group.cancelAll()
            }
        }
    }

    /// Refreshes after each notification, and after each (re)start of listening for what was
    /// committed before it; notifications arriving during a refresh make one more.
    private func refreshOnNotifications() async {
        let listener = PGListener(configuration: database.pool.configuration.connection, channel: "event_count_changes", logger: logger)
        let (notifications, notify) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                await listener.run { event in
                    self.setListening(event != .lost)
                    if event == .listening { self.listeningStarts.add(1, ordering: .relaxed) }
                    if event != .lost { notify.yield() }
                }
                self.setListening(false)
                notify.finish()
            }
            // A failed refresh is the poll's to report and retry.
            for await _ in notifications { try? await self.refresh() }
        }
    }

    private func setListening(_ isListening: Bool) {
        listening.store(isListening, ordering: .relaxed)
        metrics.listening(isListening)
    }

    private func poll() async {
        var retry = RetryBackoff(initial: configuration.pollInterval, maximum: max(configuration.pollInterval, configuration.maxRetryDelay))
        var failures = 0
        var nextPrune = clock()
        while !Task.isCancelled {
            var delay = isListening ? configuration.pollIntervalWhileListening : configuration.pollInterval
            do {
                try await refresh()
                if failures > 0 { logger.notice("event counts refreshed again", metadata: ["failed_attempts": "\(failures)"]) }
                failures = 0
                retry.reset()
                if clock() >= nextPrune { nextPrune = await pruneAndPlanNext() }
            } catch {
                failures += 1
                metrics.refreshFailed()
                delay = retry.next()
                warnings.log(.warning, "event counts refresh failed; retrying", metadata: [
                    "error": "\(error)", "retry_in_ms": "\(delay.milliseconds)",
                ], to: logger)
            }
            try? await Task.sleep(for: delay)
        }
    }

    /// Reads the changes committed since the last refresh (the first call loads everything).
    /// Concurrent callers share refreshes; each returns after one that started after it was called.
    public func refresh() async throws {
        try await refreshes.refresh { try await self.refreshNow() }
    }

    /// Prunes once, and answers when to prune next: at once while full batches come back.
    private func pruneAndPlanNext() async -> Date {
        do {
            let pruned = try await pruneChanges()
            return pruned < configuration.pruneBatch ? clock() + configuration.pruneInterval : clock()
        } catch {
            warnings.log(.warning, "event count changes not pruned; trying again later", metadata: ["error": "\(error)"], to: logger)
            return clock() + configuration.pruneInterval
        }
    }

    // MARK: Reads

    /// The version of the state moved on to `now`; nil when `now` is in the past and PostgreSQL
    /// answers instead.
    package func readVersion(now: Date) async throws -> AnswerVersion? {
        try await current(now: now)?.answers
    }

    /// From the state in memory, moved on to `now`. A `now` more than a second before the state's
    /// time (a question about the past) is answered by ``PostgresCitiesStore`` instead. Refreshes
    /// first on the first call, and when `now` is past what the state looked ahead to.
    public func list(_ query: CityListQuery, now: Date) async throws -> CityPage {
        guard let state = try await current(now: now) else { return try await database.list(query, now: now) }
        return state.page(query)
    }

    /// From memory as ``list(_:now:)`` is, or from ``PostgresCitiesStore`` for a `now` in the past.
    public func city(id: Int64, now: Date) async throws -> CityWithEventCount? {
        guard let state = try await current(now: now) else { return try await database.city(id: id, now: now) }
        return state.city(id: id)
    }

    /// Without a window, from memory as ``list(_:now:)`` is; a window is counted by
    /// ``PostgresCitiesStore``.
    public func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        guard filter.window == nil, let state = try await current(now: now) else {
            return try await database.eventCounts(filter, countryCode: countryCode, now: now)
        }
        return state.eventCounts(categories: filter.categories, countryCode: countryCode)
    }

    /// Always from ``PostgresCitiesStore``'s day counts: the state in memory keeps no history.
    public func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        try await database.histogram(cityID: cityID, interval: interval, from: from, to: to, categories: categories)
    }

    // MARK: Writes

    /// Writes through ``PostgresCitiesStore``, then refreshes, so this replica's reads include the
    /// new city once it returns. When that refresh fails (the database went away just after the
    /// commit), the city is still returned and reads catch up with the next successful poll.
    public func create(_ draft: CityDraft) async throws -> City {
        await refreshed(try await database.create(draft))
    }

    /// Writes through ``PostgresCitiesStore`` and refreshes, as ``create(_:)`` does.
    public func update(id: Int64, with draft: CityDraft) async throws -> City? {
        await refreshed(try await database.update(id: id, with: draft))
    }

    /// Writes through ``PostgresCitiesStore`` and refreshes, as ``create(_:)`` does.
    public func delete(id: Int64) async throws -> Bool {
        await refreshed(try await database.delete(id: id))
    }

    /// Writes through ``PostgresCitiesStore`` and refreshes, as ``create(_:)`` does, so the counts
    /// this replica serves include the batch once it returns.
    public func upsert(_ events: [Event]) async throws -> UpsertSummary {
        await refreshed(try await database.upsert(events))
    }

    /// Writes through ``PostgresCitiesStore`` and refreshes, as ``create(_:)`` does.
    public func delete(externalID: String) async throws -> Bool {
        await refreshed(try await database.delete(externalID: externalID))
    }

    /// A write's result, returned once this replica's state includes the write (read-your-writes).
    /// The write has committed whatever the refresh does: when the refresh fails (the database went
    /// away just after the commit) the write's answer still stands — a caller that took an error
    /// for a failed create would create the city again — and the poll catches this replica up.
    private func refreshed<Result>(_ result: Result) async -> Result {
        do {
            try await refresh()
        } catch {
            warnings.log(.warning, "a write committed but the event counts could not be refreshed after it; polling catches up",
                         metadata: ["error": "\(error)"], to: logger)
        }
        return result
    }

    // MARK: State

    /// The state moved to `now`, or nil when the database must answer: `now` is well before what
    /// the state knows (a question about the past), or beyond its horizon even after a refresh.
    private func current(now: Date) async throws -> CityCountsState? {
        let now = PGTimestamp.rounded(now)
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

    private func refreshNow() async throws {
        let now = PGTimestamp.rounded(clock())
        let start = feed.withLock { $0 }
        let horizon = state.withLock { $0?.horizon }
        let changeRowsBefore = changeRowsRead
        let (position, change, reloaded) = try await database.pool.withConnection { connection in
            try connection.transaction(PGTransactionMode(isolation: .repeatableRead, readOnly: true)) {
                try self.refresh(from: start, horizon: horizon, on: connection, now: now)
            }
        }
        // Applied with the new position, only once everything was read: a refresh that fails
        // half-way changes nothing and the next one starts from the same position.
        let (version, lookahead) = state.withLock { state in
            change(&state)
            return (state?.version ?? 0, state?.lookaheadEvents ?? 0)
        }
        feed.withLock { $0 = position }
        metrics.refreshed(at: now.timeIntervalSince1970, changeRows: changeRowsRead - changeRowsBefore, reloaded: reloaded,
                          version: version, lookaheadEvents: lookahead)
    }

    private typealias StateChange = @Sendable (inout CityCountsState?) -> Void

    /// What this transaction's snapshot sees, as a change to the state. Changes are read by
    /// transaction id: those of the transactions the last refresh's snapshot did not see and this
    /// one does, so none is missed or applied twice whatever order transactions commit in, and a
    /// transaction that stays open does not make every poll re-read what was written since it began.
    private func refresh(from start: FeedPosition?, horizon: Date?, on connection: PGConnection, now: Date) throws -> (FeedPosition, StateChange, reloaded: Bool) {
        let snapshot = try connection.query("""
            SELECT pg_snapshot_xmax(s)::text, array_to_string(ARRAY(SELECT pg_snapshot_xip(s)), ',')
            FROM pg_current_snapshot() s
            """).first!
        let position = FeedPosition(
            xmax: try Self.xid(try snapshot.decode(String.self, at: 0)),
            inProgress: try snapshot.decode(String.self, at: 1).split(separator: ",").map { try Self.xid(String($0)) },
            refreshedAt: now)
        if let start, let horizon, now.timeIntervalSince(start.refreshedAt) <= configuration.changeRetention / 2 {
            return (position, try changes(since: start, on: connection, horizon: horizon, now: now), false)
        }
        let loaded = try load(on: connection, now: now)
        logger.debug("event counts loaded", metadata: ["xmax": "\(position.xmax)"])
        return (position, { $0 = loaded }, true)
    }

    private func load(on connection: PGConnection, now: Date) throws -> CityCountsState {
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
        let cities = try Self.cities(connection)
        cityRows.add(cities.count, ordering: .relaxed)
        return CityCountsState(cities: cities.map(\.city), searchDocuments: Self.documents(cities), counts: counts, ending: try Self.ending(connection, after: now, until: horizon),
                               watermark: now, horizon: horizon)
    }

    /// The changes, with each changed city's row as it is now (joined, so one round trip; no row:
    /// it was deleted).
    private func changes(since start: FeedPosition, on connection: PGConnection, horizon: Date, now: Date) throws -> StateChange {
        let rows = try connection.query("""
            SELECT ch.city_id, ch.category, ch.ends_at, ch.delta, ch.changed_city_id, \(PostgresCitiesStore.cityColumns), c.search_name
            FROM event_count_changes ch LEFT JOIN cities c ON c.id = ch.changed_city_id
            WHERE ch.xid >= $1::xid8 OR ch.xid = ANY ($2::xid8[])
            """, [String(start.xmax), PGArrayLiteral(start.inProgress.map(String.init))]).rows
        changeRows.add(rows.count, ordering: .relaxed)
        // Netted per event before applying: the rows of one refresh come in no useful order (a
        // transaction may remove an event version that a later transaction id added).
        var changes: [CityCountsState.CountedEvent: Int] = [:]
        var changedCities: [Int64: (city: City, searchDocument: String)?] = [:]
        var reloadCities = false
        for row in rows {
            if let cityID = try row.decode(Int64?.self, at: 0) {
                let event = CityCountsState.CountedEvent(cityID: cityID, category: try row.decode(String.self, at: 1), endsAt: try row.decode(Date.self, at: 2))
                changes[event, default: 0] += try row.decode(Int.self, at: 3)
            } else if let cityID = try row.decode(Int64?.self, at: 4) {
                guard changedCities[cityID] == nil else { continue }
                let found = try row.decode(Int64?.self, named: "id") != nil
                changedCities[cityID] = found ? (try PostgresCitiesStore.city(from: row), try row.decode(String.self, named: "search_name")) : .some(nil)
            } else {
                reloadCities = true  // logged before city changes named the city (migration 0006)
            }
        }
        let cities = try cityChange(changedCities, reloadAll: reloadCities || changedCities.count > Self.cityReloadThreshold, on: connection)
        let newHorizon = now + configuration.lookahead
        let extending = newHorizon.timeIntervalSince(horizon) > configuration.lookahead / 2
        let ending = extending ? try Self.ending(connection, after: horizon, until: newHorizon) : []
        return { [changes] state in
            guard state != nil else { return }
            for (event, delta) in changes where delta != 0 { state!.apply(event, delta: delta) }
            cities(&state!)
            if extending { state!.extendHorizon(to: newHorizon, ending: ending) }
        }
    }

    /// Past this many changed cities in one refresh (an import), reloading the list is cheaper
    /// than moving each.
    private static let cityReloadThreshold = 5_000

    /// The changed cities as a change to the state: those still there are put in, the others
    /// removed (after their events' changes, which a delete's cascade logged too).
    private func cityChange(_ changed: [Int64: (city: City, searchDocument: String)?], reloadAll: Bool, on connection: PGConnection) throws -> @Sendable (inout CityCountsState) -> Void {
        if reloadAll {
            let cities = try Self.cities(connection)
            cityRows.add(cities.count, ordering: .relaxed)
            return { $0.replaceCities(cities.map(\.city), searchDocuments: Self.documents(cities)) }
        }
        guard !changed.isEmpty else { return { _ in } }
        let found = changed.values.compactMap { $0 }
        cityRows.add(found.count, ordering: .relaxed)
        let removed = changed.filter { $0.value == nil }.map(\.key)
        return { state in
            for (city, document) in found { state.upsertCity(city, searchDocument: document) }
            for id in removed { state.removeCity(id: id) }
        }
    }

    /// Deletes up to `pruneBatch` changes that every replica has read, and answers how many. Any
    /// replica may do it; what it relies on lives in the database, not in a replica's memory: now
    /// and then a mark records the time and the `xmin` of a snapshot (every transaction below it
    /// had finished). Changes below the `xmin` of a mark older than `changeRetention` belong to
    /// transactions that finished before then, so every replica that polled since has read them,
    /// and one that did not poll for half of that reloads instead. (A transaction that stays open
    /// longer than the retention keeps its changes until it has been finished for that long.)
    func pruneChanges() async throws -> Int {
        let (retention, markInterval, batch) = (configuration.changeRetention, configuration.pruneInterval, configuration.pruneBatch)
        return try await database.pool.withConnection { connection in
            try connection.query("""
                INSERT INTO event_count_change_marks (taken_at, finished_below)
                SELECT clock_timestamp(), pg_snapshot_xmin(pg_current_snapshot())
                WHERE NOT EXISTS (SELECT FROM event_count_change_marks WHERE taken_at > clock_timestamp() - $1::float8 * interval '1 second')
                """, [markInterval])
            return try connection.query("""
                WITH expired AS (
                    SELECT taken_at, finished_below FROM event_count_change_marks
                    WHERE taken_at <= clock_timestamp() - $1::float8 * interval '1 second'
                    ORDER BY taken_at DESC LIMIT 1
                ), superseded AS (
                    DELETE FROM event_count_change_marks WHERE taken_at < (SELECT taken_at FROM expired)
                )
                DELETE FROM event_count_changes WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM event_count_changes WHERE xid < (SELECT finished_below FROM expired) LIMIT $2::int8))
                """, [retention, batch]).affectedRows
        }
    }

    private static func xid(_ text: String) throws -> UInt64 {
        guard let value = UInt64(text) else { throw PGError.unexpected("transaction id \(text) is not a number") }
        return value
    }

    /// Every city, with its stored search document (what SQL searches too).
    private static func cities(_ connection: PGConnection) throws -> [(city: City, searchDocument: String)] {
        try connection.query("SELECT \(PostgresCitiesStore.cityColumns), c.search_name FROM cities c").rows.map { row in
            (try PostgresCitiesStore.city(from: row), try row.decode(String.self, named: "search_name"))
        }
    }

    private static func documents(_ cities: [(city: City, searchDocument: String)]) -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: cities.map { ($0.city.id, $0.searchDocument) })
    }

    private static func ending(_ connection: PGConnection, after start: Date, until end: Date) throws -> [CityCountsState.CountedEvent] {
        try connection.query("""
            SELECT city_id, category, ends_at FROM events
            WHERE status = 'scheduled' AND ends_at > $1::timestamptz AND ends_at <= $2::timestamptz
            """, [start, end]).rows.map { row in
                CityCountsState.CountedEvent(cityID: try row.decode(Int64.self, at: 0), category: try row.decode(String.self, at: 1),
                                             endsAt: try row.decode(Date.self, at: 2))
            }
    }
}
