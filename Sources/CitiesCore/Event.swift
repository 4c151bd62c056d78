import Foundation

public enum EventStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case scheduled
    case cancelled
}

/// An event as the cities service knows it, keyed by the events service's id.
public struct Event: Sendable, Hashable {
    public var externalID: String
    public var cityID: Int64
    /// A short slug such as `concert`.
    public var category: String
    public var startsAt: Date
    public var endsAt: Date
    public var status: EventStatus

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
