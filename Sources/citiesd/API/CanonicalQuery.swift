import CitiesCore
import Foundation
import Hummingbird

/// The query parameters a view recognises, taken from a request in the view's order: what the
/// view reads, the key its rendered answer is kept under, and the query of the links in it.
/// Anything else in the URL — a cache-buster, a token pasted into it — neither creates a cache
/// entry nor travels into `next`/`previous` links.
struct CanonicalQuery: Sendable, Hashable {
    struct Item: Sendable, Hashable {
        let name: String
        let value: String
    }

    private(set) var items: [Item]

    /// At most this many values of one parameter: more would only make the key and the filter
    /// costly (a repeatable filter such as `category` takes that many, the others one).
    static let maximumValues = 100

    /// Empty values are dropped: every view treats them as absent, as django-filter does. Throws
    /// when a parameter repeats more than ``maximumValues`` times, before any work.
    init(_ request: Request, recognising names: [String]) throws {
        let parameters = Self.decode(request.uri.query ?? "")
        var errors = ValidationErrors()
        items = names.flatMap { name in
            let values = parameters.filter { $0.name == name && !$0.value.isEmpty }
            if values.count > Self.maximumValues {
                errors.add("Ensure this filter has at most \(Self.maximumValues) values (it has \(values.count)).", to: name)
            }
            return values
        }
        if !errors.isEmpty { throw errors }
    }

    /// A query string read as Django's `QueryDict` reads it: pairs split on `&`, `+` is a space,
    /// then percent-decoding (an invalid escape leaves the text as it is).
    static func decode(_ query: String) -> [Item] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return Item(name: formDecoded(parts[0]), value: parts.count > 1 ? formDecoded(parts[1]) : "")
        }
    }

    /// One name or value of a query string: `+` is a space, then percent-decoding.
    static func formDecoded(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(text) }
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The last value, as `QueryDict.get` gives it.
    func value(_ name: String) -> String? {
        items.last { $0.name == name }?.value
    }

    func values(_ name: String) -> [String] {
        items.filter { $0.name == name }.map(\.value)
    }

    /// This query with `name` set to `value` (or removed, with nil), keeping its place.
    func replacing(_ name: String, with value: String?) -> CanonicalQuery {
        var query = self
        let position = items.firstIndex { $0.name == name } ?? items.endIndex
        query.items.removeAll { $0.name == name }
        if let value { query.items.insert(Item(name: name, value: value), at: min(position, query.items.endIndex)) }
        return query
    }

    /// `?a=1&b=2`, percent-encoded, or "" without parameters.
    var queryString: String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    private static let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~:@!$'()*,;/?"))
        .subtracting(CharacterSet(charactersIn: "&=+#")).intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
