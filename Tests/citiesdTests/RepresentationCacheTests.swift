import CitiesCore
import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import citiesd

@Suite struct RepresentationCacheTests {
    /// Answers at a fixed version; counts how often it was asked, and holds `eventCounts` until
    /// `readVersion` has been asked `holdUntilReads` times.
    final class Versioned: VersionedReads, Sendable {
        let reads = Atomic<Int>(0)
        let renders = Atomic<Int>(0)
        let holdUntilReads: Int
        let released: AsyncStream<Void>
        private let release: AsyncStream<Void>.Continuation

        init(holdUntilReads: Int) {
            self.holdUntilReads = holdUntilReads
            (released, release) = AsyncStream<Void>.makeStream()
        }

        func readVersion(now: Date) async throws -> AnswerVersion? {
            if reads.add(1, ordering: .relaxed).newValue >= holdUntilReads { release.finish() }
            return AnswerVersion(version: 1)
        }
    }

    /// Answers at a version the test moves.
    final class Moving: VersionedReads, Sendable {
        let current = Mutex(AnswerVersion(version: 1))

        func readVersion(now: Date) async throws -> AnswerVersion? { current.withLock { $0 } }
    }

    /// A kept answer survives writes to other cities, and is made again after a write to its own.
    @Test func anAnswerOutlivesWritesThatChangeNoneOfItsInputs() async throws {
        let moving = Moving()
        let cache = RepresentationCache(repository: VersionedRepository(versioned: moving), capacity: 8)
        let renders = Atomic<Int>(0)
        func detail() async throws -> String {
            let representation = try await cache.representation(forKey: "city-1", now: Date()) {
                let made = renders.add(1, ordering: .relaxed).newValue
                return Representation(json: ["render": made], inputs: .cities([1], listing: false))
            }
            return String(buffer: representation.body)
        }
        #expect(try await detail() == #"{"render":1}"#)
        moving.current.withLock { $0.countsChanged(of: [2]) }
        #expect(try await detail() == #"{"render":1}"#, "city 2's counts are no input of city 1's answer")
        moving.current.withLock { $0.countsChanged(of: [3]) }
        #expect(try await detail() == #"{"render":1}"#, "checked again from where it was last found unchanged")
        moving.current.withLock { $0.countsChanged(of: [1]) }
        #expect(try await detail() == #"{"render":2}"#)
        moving.current.withLock { $0.cityChanged(1) }
        #expect(try await detail() == #"{"render":3}"#)
        moving.current.withLock { $0.reset() }
        #expect(try await detail() == #"{"render":4}"#)
        #expect(renders.load(ordering: .relaxed) == 4)
    }

    /// The ids an answer was made from count against the cache's bytes, as its body does: 200 ids
    /// (1,600 bytes) do not fit in 1,000, though the body alone would.
    @Test func theIdsOfAnAnswersInputsCountAgainstTheMemoryLimit() async throws {
        let cache = RepresentationCache(repository: VersionedRepository(versioned: Moving()), capacity: 8, maximumBytes: 1_000)
        let renders = Atomic<Int>(0)
        for ids in [Array(1...200), Array(1...200), [1], [1]] {
            _ = try await cache.representation(forKey: "\(ids.count)", now: Date()) {
                renders.add(1, ordering: .relaxed)
                return Representation(json: ["ids": ids.count], inputs: .cities(ids.map(Int64.init), listing: true))
            }
        }
        #expect(renders.load(ordering: .relaxed) == 3, "the large answer is made each time, the small one once")
    }

    /// Requests for one key arriving while it is rendered get that render: one render for all.
    @Test func concurrentRequestsForOneAnswerShareOneRender() async throws {
        let requests = 16
        let versioned = Versioned(holdUntilReads: requests)
        let repository = VersionedRepository(versioned: versioned)
        let cache = RepresentationCache(repository: repository, capacity: 8)
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<requests {
                group.addTask {
                    let representation = try await cache.representation(forKey: "k", now: Date()) {
                        versioned.renders.add(1, ordering: .relaxed)
                        for await _ in versioned.released {}
                        return Representation(json: ["answer": 42])
                    }
                    return String(buffer: representation.body)
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(versioned.renders.load(ordering: .relaxed) == 1)
        #expect(bodies == Array(repeating: #"{"answer":42}"#, count: requests))
    }

    /// A render that fails fails only its own request; those waiting for it render for themselves.
    @Test func aFailedRenderLeavesTheOthersToRenderThemselves() async throws {
        let versioned = Versioned(holdUntilReads: 2)
        let cache = RepresentationCache(repository: VersionedRepository(versioned: versioned), capacity: 8)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        _ = try await cache.representation(forKey: "k", now: Date()) {
                            let attempt = versioned.renders.add(1, ordering: .relaxed).newValue
                            for await _ in versioned.released {}
                            if attempt == 1 { throw CancellationError() }
                            return Representation(json: ["answer": 42])
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "the follower rendered for itself")
        #expect(versioned.renders.load(ordering: .relaxed) == 2)
    }
}

/// The in-memory store, with the versions of a test's ``VersionedReads``.
struct VersionedRepository: CitiesRepository, VersionedReads {
    let versioned: any VersionedReads
    let store = InMemoryCitiesStore()

    func readVersion(now: Date) async throws -> AnswerVersion? { try await versioned.readVersion(now: now) }
    func list(_ query: CityListQuery, now: Date) async throws -> CityPage { try await store.list(query, now: now) }
    func city(id: Int64, now: Date) async throws -> CityWithEventCount? { try await store.city(id: id, now: now) }
    func create(_ draft: CityDraft) async throws -> City { try await store.create(draft) }
    func update(id: Int64, with draft: CityDraft) async throws -> City? { try await store.update(id: id, with: draft) }
    func delete(id: Int64) async throws -> Bool { try await store.delete(id: id) }
    func upsert(_ events: [Event]) async throws -> UpsertSummary { try await store.upsert(events) }
    func delete(externalID: String) async throws -> Bool { try await store.delete(externalID: externalID) }
    func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        try await store.eventCounts(filter, countryCode: countryCode, now: now)
    }
    func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        try await store.histogram(cityID: cityID, interval: interval, from: from, to: to, categories: categories)
    }
}
