/// A city read from GeoNames, keyed by its GeoNames id: an import creates it once and afterwards
/// updates it. The draft has no slug (a new city gets a derived one; an existing one keeps its own).
public struct ImportedCity: Sendable, Hashable {
    public var geonameID: Int64
    public var draft: CityDraft

    public init(geonameID: Int64, draft: CityDraft) {
        self.geonameID = geonameID
        self.draft = draft
    }
}
