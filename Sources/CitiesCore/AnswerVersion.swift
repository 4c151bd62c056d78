/// What a rendered answer was made from, so that a cache can tell whether a later version of the
/// answers changed it.
package enum AnswerInputs: Sendable, Hashable {
    /// Any change may change it: windows counted by the database, orderings by count.
    case everything
    /// The fields and counts of these cities and, with `listing`, which cities there are, their
    /// fields and their order (a list's membership and order, its `count`).
    case cities([Int64], listing: Bool)
}

/// The version a ``VersionedReads`` repository's answers are at, and since when each part of them
/// is unchanged: an answer made at an earlier version whose inputs did not change since is still
/// the answer, and need not be made again when a write elsewhere moves the version.
package struct AnswerVersion: Sendable, Hashable {
    /// Grows whenever an answer may have changed; equal versions give equal answers.
    package private(set) var version: UInt64
    /// No answer made before this version is kept (everything was reloaded then).
    private var resetAt: UInt64
    /// When the set of cities, or any city's fields, last changed.
    private var listingChangedAt: UInt64
    /// When each city's fields or counts last changed, for those changed since `resetAt`.
    private var cityChangedAt: [Int64: UInt64] = [:]

    /// A version that keeps nothing across versions: an answer is the answer only at its own.
    package init(version: UInt64) {
        self.version = version
        resetAt = version
        listingChangedAt = version
    }

    /// Whether an answer made at `earlier` from `inputs` is still the answer at ``version``.
    package func keeps(answerMadeAt earlier: UInt64, from inputs: AnswerInputs) -> Bool {
        guard earlier >= resetAt, earlier <= version else { return false }
        if earlier == version { return true }
        switch inputs {
        case .everything:
            return false
        case .cities(let ids, let listing):
            if listing && listingChangedAt > earlier { return false }
            return ids.allSatisfy { (cityChangedAt[$0] ?? resetAt) <= earlier }
        }
    }

    /// Everything changed (a reload).
    package mutating func reset() {
        version += 1
        resetAt = version
        listingChangedAt = version
        cityChangedAt = [:]
    }

    /// These cities' counts changed.
    package mutating func countsChanged<Cities: Sequence>(of cities: Cities) where Cities.Element == Int64 {
        version += 1
        for id in cities { cityChangedAt[id] = version }
    }

    /// A city was created, changed or deleted: its answers and every list may differ.
    package mutating func cityChanged(_ id: Int64) {
        version += 1
        listingChangedAt = version
        cityChangedAt[id] = version
    }
}
