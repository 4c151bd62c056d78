import Foundation

/// The other names an import stores for a GeoNames city (`alternate_names`, which `search` looks in).
package enum GeoNamesAlternateNames {
    /// As many as `alternate_names` takes; a city with more keeps the first ones.
    package static var limit: Int { CitySerializer.Field.alternateNames.maxLength ?? 1000 }

    /// `names` in their order (the caller puts preferred names first) without the city's own name,
    /// at most ``limit`` of them; the ASCII name first when it is spelled other than the name folds
    /// (`Duesseldorf` for `Düsseldorf`), so that search finds that spelling too. ``CitySerializer``
    /// trims them and keeps each once; that is done here too when the limit is near, so that it counts
    /// distinct names.
    package static func capped(_ names: [String], name: String, asciiName: String) -> [String] {
        var kept: [String] = []
        kept.reserveCapacity(min(names.count + 1, limit))
        if !asciiName.isEmpty, asciiName != name, SearchText.fold(asciiName) != SearchText.fold(name) {
            kept.append(asciiName)
        }
        guard names.count + kept.count > limit else {
            kept.append(contentsOf: names.lazy.filter { $0 != name })
            return kept
        }
        var seen = Set(kept + [name])
        for candidate in names where kept.count < limit {
            let trimmed = candidate.trimmingCharacters(in: .whitespacesAndNewlines)
            if seen.insert(trimmed).inserted { kept.append(trimmed) }
        }
        return kept
    }
}
