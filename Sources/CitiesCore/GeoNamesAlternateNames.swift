import Foundation

/// The other names an import stores for a GeoNames city (`alternate_names`, which `search` looks in).
public enum GeoNamesAlternateNames {
    /// As many as `alternate_names` takes; a city with more keeps the first ones.
    public static var limit: Int { CitySerializer.Field.alternateNames.maxLength ?? 1000 }

    /// `names` in their order (the caller puts preferred names first), trimmed, each once, without
    /// the city's own name, and at most ``limit``; the ASCII name first when it is spelled other
    /// than the name folds (`Duesseldorf` for `Düsseldorf`), so that search finds that spelling too.
    public static func capped(_ names: [String], name: String, asciiName: String) -> [String] {
        var seen: Set<String> = [name]
        var kept: [String] = []
        let ascii = asciiName.trimmingCharacters(in: .whitespacesAndNewlines)
        if !ascii.isEmpty, SearchText.fold(ascii) != SearchText.fold(name) {
            seen.insert(ascii)
            kept.append(ascii)
        }
        for candidate in names {
            guard kept.count < limit else { break }
            let trimmed = candidate.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, seen.insert(trimmed).inserted { kept.append(trimmed) }
        }
        return kept
    }
}
