/// A city read from GeoNames, keyed by its GeoNames id: an import creates it once and afterwards
/// updates it. The draft has no slug (a new city gets a derived one; an existing one keeps its own).
///
/// What the write needs of the names is worked out here, where the import builds the city (on
/// several threads), rather than when the batch is written: the names folded for search, and the
/// first slugs a new city tries.
package struct ImportedCity: Sendable, Hashable {
    package let geonameID: Int64
    package let draft: CityDraft
    package let foldedNames: SearchText.FoldedNames
    /// The start of ``CityDraft/slugCandidates``.
    package let firstSlugCandidates: [String]

    package static let derivedSlugCandidates = 5

    package init(geonameID: Int64, draft: CityDraft) {
        self.geonameID = geonameID
        self.draft = draft
        foldedNames = SearchText.FoldedNames(of: draft)
        firstSlugCandidates = Array(draft.slugCandidates.prefix(Self.derivedSlugCandidates))
    }

    /// `count` slug candidates after the first `start`.
    package func slugCandidates(from start: Int, count: Int) -> [String] {
        start + count <= firstSlugCandidates.count
            ? Array(firstSlugCandidates[start..<(start + count)])
            : Array(draft.slugCandidates.dropFirst(start).prefix(count))
    }
}
