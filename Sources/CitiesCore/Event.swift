import Foundation

/// Whether an event takes place (`status`); only scheduled events count.
public enum EventStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// The event takes place: it counts while it is not over. The default.
    case scheduled
    /// The event was called off: it is kept, but never counted.
    case cancelled
}

/// An event as the cities service knows it, keyed by the events service's id.
public struct Event: Sendable, Hashable {
    /// The events service's id of the event (`id`), 1–255 characters: what an upsert matches on.
    public var externalID: String
    /// The id of the city the event takes place in (`city`); an upsert refuses an unknown one.
    public var cityID: Int64
    /// A short slug such as `concert` (`category`), at most 50 characters.
    public var category: String
    /// When the event starts (`starts_at`).
    public var startsAt: Date
    /// When the event ends (`ends_at`), not before ``startsAt``. It counts as current while
    /// `ends_at > now`.
    public var endsAt: Date
    /// Whether the event takes place (`status`).
    public var status: EventStatus

    /// Creates an event from its parts, scheduled by default, without validating them
    /// (``EventSerializer`` validates request bodies).
    public init(externalID: String, cityID: Int64, category: String, startsAt: Date, endsAt: Date, status: EventStatus = .scheduled) {
        self.externalID = externalID
        self.cityID = cityID
        self.category = category
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.status = status
    }

    /// Scheduled and overlapping `[from, to)`: it starts before `to` (nil: no bound) and ends after `from`.
    package func counts(from: Date, to: Date?) -> Bool {
        guard status == .scheduled, endsAt > from else { return false }
        return to.map { startsAt < $0 } ?? true
    }
}

extension Event {
    /// Per-item errors for external ids that appear more than once in a batch (a batch may name each
    /// event once), aligned with the batch; nil when every id is unique.
    package static func duplicateIDErrors(_ events: [Event]) -> [ValidationErrors]? {
        var firstIndex: [String: Int] = [:]
        var errors = Array(repeating: ValidationErrors(), count: events.count)
        var found = false
        for (index, event) in events.enumerated() {
            if let first = firstIndex[event.externalID] {
                errors[index].add("Duplicate id; item \(first) has it already.", to: "id")
                found = true
            } else {
                firstIndex[event.externalID] = index
            }
        }
        return found ? errors : nil
    }
}
