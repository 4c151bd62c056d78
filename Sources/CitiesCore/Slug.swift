import Foundation

/// URL slugs: lowercase ASCII letters and digits in runs joined by single hyphens (`sao-paulo`).
public enum Slug {
    public static let maximumLength = 200

    public static func isValid(_ slug: String) -> Bool {
        !slug.isEmpty && slug.count <= maximumLength
            && slug.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            }
    }

    /// Derives a slug from a name: accents folded (`Düsseldorf` → `dusseldorf`), everything that is
    /// not an ASCII letter or digit becomes a hyphen. Empty when the name has no Latin letters or digits.
    public static func derive(from name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
        var slug = ""
        var pendingHyphen = false
        for character in folded {
            let replacement = letterReplacements[character] ?? String(character)
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
        if slug.count > maximumLength {
            slug = String(slug.prefix(maximumLength))
            while slug.hasSuffix("-") { slug.removeLast() }
        }
        return slug
    }

    /// Letters that diacritic folding leaves alone.
    private static let letterReplacements: [Character: String] = [
        "ł": "l", "đ": "d", "ð": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ß": "ss",
    ]
}
