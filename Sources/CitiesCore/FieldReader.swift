import Foundation

/// Reads typed fields out of a JSON object with Django REST framework's rules and messages,
/// collecting every error instead of stopping at the first.
///
/// Each read returns `nil` when the field is absent (or invalid, with the error recorded), and
/// `.some(nil)` for an accepted JSON `null`.
package struct FieldReader: Sendable {
    package let object: [String: JSONValue]
    /// PATCH: absent required fields are not errors.
    package let partial: Bool
    package private(set) var errors = ValidationErrors()

    package init(object: [String: JSONValue], partial: Bool) {
        self.object = object
        self.partial = partial
    }

    /// DRF's answer to a body that is not a JSON object.
    package static func expectedObject(got value: JSONValue) -> ValidationErrors {
        ValidationErrors([ValidationErrors.nonFieldKey: ["Invalid data. Expected a dictionary, but got \(value.pythonTypeName)."]])
    }

    package mutating func fail(_ field: String, _ message: String) {
        errors.add(message, to: field)
    }

    package mutating func failNonField(_ message: String) {
        errors.addNonField(message)
    }

    private mutating func raw(_ description: FieldDescription) -> JSONValue?? {
        let field = description.name
        guard !description.readOnly, let value = object[field] else {
            if description.required && !partial { fail(field, "This field is required.") }
            return nil
        }
        if case .null = value {
            if description.nullable { return .some(nil) }
            fail(field, "This field may not be null.")
            return nil
        }
        return .some(value)
    }

    /// CharField: strings (and numbers, as DRF accepts them), trimmed, not blank unless allowed.
    package mutating func string(_ description: FieldDescription) -> String?? {
        guard let present = raw(description) else { return nil }
        guard let value = present else { return .some(nil) }
        switch Self.text(value, maxLength: description.maxLength) {
        case .success(let text): return .some(text)
        case .failure(let message):
            fail(description.name, message.text)
            return nil
        }
    }

    /// ListField of CharFields: a JSON array of strings, each read as ``string(_:)`` reads one;
    /// repeated items are kept once. An item's error names its position.
    package mutating func stringList(_ description: FieldDescription) -> [String]? {
        let field = description.name
        guard let present = raw(description), let value = present else { return nil }
        guard case .array(let items) = value else {
            fail(field, "Expected a list of items but got type \"\(value.pythonTypeName)\".")
            return nil
        }
        if let maxLength = description.maxLength, items.count > maxLength {
            fail(field, "Ensure this field has no more than \(maxLength) elements.")
            return nil
        }
        var texts: [String] = []
        var seen: Set<String> = []
        var failed = false
        for (index, item) in items.enumerated() {
            switch Self.text(item, maxLength: description.childMaxLength) {
            case .success(let text): if seen.insert(text).inserted { texts.append(text) }
            case .failure(let message):
                fail(field, "Item \(index): \(message.text)")
                failed = true
            }
        }
        return failed ? nil : texts
    }

    private struct Message: Error {
        let text: String
    }

    private static func text(_ value: JSONValue, maxLength: Int?) -> Result<String, Message> {
        let text: String
        switch value {
        case .string(let string): text = string
        case .integer(let number): text = String(number)
        case .number(let number): text = String(number)
        default: return .failure(Message(text: "Not a valid string."))
        }
        if text.utf8.contains(0) { return .failure(Message(text: "Null characters are not allowed.")) }
        let trimmed = trimmed(text, whitespaceAndNewlines)
        if trimmed.isEmpty { return .failure(Message(text: "This field may not be blank.")) }
        // Characters as DRF (Python's `len`) and PostgreSQL's `char_length` count them: code points,
        // so that "é" written as e + U+0301 counts 2 here as in the database's CHECK constraints.
        // No more bytes than the limit: no more code points either, without counting them.
        if let maxLength, trimmed.utf8.count > maxLength, trimmed.unicodeScalars.count > maxLength {
            return .failure(Message(text: "Ensure this field has no more than \(maxLength) characters."))
        }
        return .success(trimmed)
    }

    private static let whitespace = CharacterSet.whitespaces
    private static let whitespaceAndNewlines = CharacterSet.whitespacesAndNewlines

    /// `text.trimmingCharacters(in: set)`, without Foundation's copy in the common case of nothing to trim.
    private static func trimmed(_ text: String, _ set: CharacterSet) -> String {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last, set.contains(first) || set.contains(last) else {
            return text
        }
        return text.trimmingCharacters(in: set)
    }

    /// IntegerField: integers, integral floats and numeric strings.
    package mutating func integer(_ description: FieldDescription) -> Int64?? {
        let field = description.name
        let min = description.minValue.map { Int64($0) }
        let max = description.maxValue.map { Int64($0) }
        guard let present = raw(description) else { return nil }
        guard let value = present else { return .some(nil) }
        let number: Int64?
        switch value {
        case .integer(let integer): number = integer
        case .number(let double): number = double.rounded() == double ? Int64(exactly: double) : nil
        case .string(let string): number = Int64(Self.trimmed(string, Self.whitespace))
        default: number = nil
        }
        guard let number else {
            if case .number(let double) = value, double.rounded() == double {
                fail(field, double < 0 ? "Ensure this value is greater than or equal to \(min ?? Int64.min)." : "Ensure this value is less than or equal to \(max ?? Int64.max).")
            } else {
                fail(field, "A valid integer is required.")
            }
            return nil
        }
        return checkRange(field, number, min: min, max: max) ? .some(number) : nil
    }

    /// FloatField: numbers and numeric strings.
    package mutating func double(_ description: FieldDescription) -> Double?? {
        let field = description.name
        let min = description.minValue
        let max = description.maxValue
        guard let present = raw(description) else { return nil }
        guard let value = present else { return .some(nil) }
        let number: Double?
        switch value {
        case .integer(let integer): number = Double(integer)
        case .number(let double): number = double
        case .string(let string): number = Double(Self.trimmed(string, Self.whitespace))
        default: number = nil
        }
        guard let number, number.isFinite else {
            fail(field, "A valid number is required.")
            return nil
        }
        return checkRange(field, number, min: min, max: max) ? .some(number) : nil
    }

    /// BooleanField: JSON booleans and DRF's accepted spellings.
    package mutating func bool(_ description: FieldDescription) -> Bool? {
        let field = description.name
        guard let present = raw(description), let value = present else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .integer(1): return true
        case .integer(0): return false
        case .string(let text) where ["true", "True", "TRUE", "1", "yes", "Yes", "on", "On", "y", "Y", "t", "T"].contains(text): return true
        case .string(let text) where ["false", "False", "FALSE", "0", "no", "No", "off", "Off", "n", "N", "f", "F"].contains(text): return false
        default:
            fail(field, "Must be a valid boolean.")
            return nil
        }
    }

    /// ChoiceField over a string value already read with ``string(_:)``.
    package mutating func choice(_ description: FieldDescription, _ value: String?, isValid: (String) -> Bool) -> String? {
        guard let value else { return nil }
        guard isValid(value) else {
            fail(description.name, "\"\(value)\" is not a valid choice.")
            return nil
        }
        return value
    }

    private mutating func checkRange<Number: Comparable>(_ field: String, _ value: Number, min: Number?, max: Number?) -> Bool {
        if let min, value < min {
            fail(field, "Ensure this value is greater than or equal to \(Self.display(min)).")
            return false
        }
        if let max, value > max {
            fail(field, "Ensure this value is less than or equal to \(Self.display(max)).")
            return false
        }
        return true
    }

    /// Limits as DRF prints them: `90`, not `90.0`.
    private static func display<Number>(_ limit: Number) -> String {
        if let double = limit as? Double, double.rounded() == double, abs(double) < 1e15 { return String(Int64(double)) }
        return "\(limit)"
    }
}
