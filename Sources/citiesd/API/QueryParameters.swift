import CitiesCore
import Foundation
import Hummingbird

/// Query string parameters validated like django-filter's form fields: every bad value is reported
/// at once as a 400 `{"param": ["message"]}`.
struct QueryParameters {
    let query: CanonicalQuery
    var errors = ValidationErrors()

    init(_ query: CanonicalQuery) {
        self.query = query
    }

    func value(_ name: String) -> String? {
        query.value(name)
    }

    func values(_ name: String) -> [String] {
        query.values(name)
    }

    /// A text value of at most `maximumLength` characters (Django's `CharField(max_length=…)`).
    mutating func text(_ name: String, maximumLength: Int = Self.maximumTextLength) -> String? {
        guard let value = value(name) else { return nil }
        guard !value.unicodeScalars.contains("\u{0}") else {
            errors.add("Null characters are not allowed.", to: name)
            return nil
        }
        guard value.count <= maximumLength else {
            errors.add("Ensure this value has at most \(maximumLength) characters (it has \(value.count)).", to: name)
            return nil
        }
        return value
    }

    /// Bounds the work one parameter can ask for: longer texts match no name. (How often a
    /// parameter may repeat, ``CanonicalQuery`` bounds.)
    static let maximumTextLength = 200

    /// A date-time, or a date alone as its midnight UTC (django-filter's `DateTimeFilter` takes `%Y-%m-%d`).
    mutating func dateTime(_ name: String) -> Date? {
        guard let text = text(name) else { return nil }
        guard let date = ISOTimestamp.date(fromDateOrDateTime: text) else {
            errors.add("Enter a valid date/time.", to: name)
            return nil
        }
        return date
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let text = text(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            errors.add("Select a valid choice. \(text) is not one of the available choices.", to: name)
            return nil
        }
    }

    mutating func choice<Value>(_ name: String, _ parse: (String) -> Value?) -> Value? {
        guard let text = text(name) else { return nil }
        guard let value = parse(text) else {
            errors.add("Select a valid choice. \(text) is not one of the available choices.", to: name)
            return nil
        }
        return value
    }

    mutating func categories(_ name: String = "category") -> Set<String> {
        Set(values(name).filter { category in
            guard Slug.isValid(category), category.count <= EventSerializer.maximumCategoryLength else {
                errors.add("Enter a valid category slug: \(category.prefix(60)).", to: name)
                return false
            }
            return true
        })
    }

    mutating func countryCode(_ name: String = "country_code") -> String? {
        choice(name) { CountryCode.isAssigned($0.uppercased()) ? $0.uppercased() : nil }
    }

    /// `from`, `to`, either or both (``CountWindow``); `to` after `from` when both are given. nil
    /// without either, or when one is invalid.
    mutating func window() -> CountWindow? {
        let from = dateTime("from")
        let to = dateTime("to")
        if let from, let to, to <= from {
            errors.add("Ensure to is later than from.", to: "to")
            return nil
        }
        guard errors.fields["from"] == nil, errors.fields["to"] == nil, from != nil || to != nil else { return nil }
        return CountWindow(from: from, to: to)
    }

    /// `from` and `to`, both required (a histogram needs a bounded window).
    mutating func boundedWindow() -> DateInterval? {
        for name in ["from", "to"] where value(name) == nil { errors.add("This field is required.", to: name) }
        guard let window = window(), let from = window.from, let to = window.to else { return nil }
        return DateInterval(start: from, end: to)
    }

    func check() throws {
        if !errors.isEmpty { throw errors }
    }
}
