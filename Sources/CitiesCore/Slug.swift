import Foundation

/// URL slugs: lowercase ASCII letters and digits in runs joined by single hyphens (`sao-paulo`).
package enum Slug {
    package static let maximumLength = 200

    package static func isValid(_ slug: String) -> Bool {
        !slug.isEmpty && slug.count <= maximumLength
            && slug.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            }
    }

    /// Derives a slug from a name: other scripts transliterated to Latin (`Москва` → `moskva`,
    /// `東京` → `dong-jing`), accents folded (`Düsseldorf` → `dusseldorf`), everything that is not
    /// an ASCII letter or digit a hyphen. Empty only when nothing of the name survives that.
    package static func derive(from name: String) -> String {
        let latin = name.unicodeScalars.allSatisfy(\.isASCII) ? name : name.applyingTransform(.toLatin, reverse: false) ?? name
        let folded = SearchText.fold(latin)
        var slug = ""
        var pendingHyphen = false
        for character in folded {
            let replacement = character.isASCII ? String(character) : letterReplacements[character] ?? String(character)
            for scalar in replacement.unicodeScalars {
                let isAlphanumeric = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                if isAlphanumeric {
                    if pendingHyphen && !slug.isEmpty { slug.append("-") }
                    pendingHyphen = false
                    slug.unicodeScalars.append(scalar)
                } else {
                    pendingHyphen = true
                }
            }
        }
        return truncated(slug, to: maximumLength)
    }

    /// The slugs to try, in order, for a city given none: the name (`richmond`), then with the
    /// region (`richmond-virginia`), then with the country (`richmond-us`), then with both
    /// (`richmond-virginia-us`), then that numbered from 2 (`richmond-virginia-us-2`, …). Names
    /// with nothing to derive from start from `city`. Endless: take the first that is free.
    package static func candidates(name: String, region: String?, countryCode: String) -> some Sequence<String> {
        let derived = derive(from: name)
        let base = derived.isEmpty ? "city" : derived
        var named = [base]
        let regionPart = region.map(derive(from:)).flatMap { $0.isEmpty ? nil : $0 }
        let countryPart = countryCode.lowercased()
        if let regionPart { named.append("\(base)-\(regionPart)") }
        named.append("\(base)-\(countryPart)")
        if let regionPart { named.append("\(base)-\(regionPart)-\(countryPart)") }
        named = named.map { truncated($0, to: maximumLength) }
        var seen: Set<String> = []
        named = named.filter { seen.insert($0).inserted }
        let last = named.last!
        let numbered = (2...).lazy.map { number in
            let suffix = "-\(number)"
            return truncated(last, to: maximumLength - suffix.count) + suffix
        }
        return sequence(state: (named.makeIterator(), numbered.makeIterator())) { state in state.0.next() ?? state.1.next() }
    }

    private static func truncated(_ slug: String, to length: Int) -> String {
        guard slug.count > length else { return slug }
        var cut = String(slug.prefix(length))
        while cut.hasSuffix("-") { cut.removeLast() }
        return cut
    }

    /// Letters that diacritic folding leaves alone.
    private static let letterReplacements: [Character: String] = [
        "ł": "l", "đ": "d", "ð": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ß": "ss",
    ]
}
