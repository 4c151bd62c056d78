import Foundation

/// Reads typed fields out of a JSON object with Django REST framework's rules and messages,
/// collecting every error instead of stopping at the first.
///
/// Each read returns `nil` when the field is absent (or invalid, with the error recorded), and
/// `.some(nil)` for an accepted JSON `null`.
public struct FieldReader: Sendable {
    public let object: [String: JSONValue]
    /// PATCH: absent required fields are not errors.
    public let partial: Bool
    public private(set) var errors = ValidationErrors()

    public init(object: [String: JSONValue], partial: Bool) {
        self.object = object
        self.partial = partial
    }

    /// DRF's answer to a body that is not a JSON object.
    public static func expectedObject(got value: JSONValue) -> ValidationErrors {
        ValidationErrors([ValidationErrors.nonFieldKey: ["Invalid data. Expected a dictionary, but got \(value.pythonTypeName)."]])
    }

    public mutating func fail(_ field: String, _ message: String) {
        errors.add(message, to: field)
    }

    public mutating func failNonField(_ message: String) {
        errors.addNonField(message)
    }

    private mutating func raw(_ field: String, required: Bool, nullable: Bool) -> JSONValue?? {
        guard let value = object[field] else {
            if required && !partial { fail(field, "This field is required.") }
            return nil
        }
        if case .null = value {
            if nullable { return .some(nil) }
            fail(field, "This field may not be null.")
            return nil
        }
        return .some(value)
    }

    /// CharField: strings (and numbers, as DRF accepts them), trimmed, not blank unless allowed.
    public mutating func string(_ field: String, required: Bool, nullable: Bool = false, allowBlank: Bool = false, maxLength: Int) -> String?? {
        guard let present = raw(field, required: required, nullable: nullable) else { return nil }
        guard let value = present else { return .some(nil) }
        let text: String
        switch value {
        case .string(let string): text = string
        case .integer(let number): text = String(number)
        case .number(let number): text = String(number)
        default:
            fail(field, "Not a valid string.")
            return nil
        }
        if text.unicodeScalars.contains("\u{0}") {
            fail(field, "Null characters are not allowed.")
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty && !allowBlank {
            fail(field, "This field may not be blank.")
            return nil
        }
        if trimmed.count > maxLength {
            fail(field, "Ensure this field has no more than \(maxLength) characters.")
            return nil
        }
        return .some(trimmed)
    }

    /// IntegerField: integers, integral floats and numeric strings.
    public mutating func integer(_ field: String, required: Bool, nullable: Bool = false, min: Int64? = nil, max: Int64? = nil) -> Int64?? {
        guard let present = raw(field, required: required, nullable: nullable) else { return nil }
        guard let value = present else { return .some(nil) }
        let number: Int64?
        switch value {
        case .integer(let integer): number = integer
        case .number(let double): number = double.rounded() == double ? Int64(exactly: double) : nil
        case .string(let string): number = Int64(string.trimmingCharacters(in: .whitespaces))
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
    public mutating func double(_ field: String, required: Bool, nullable: Bool = false, min: Double? = nil, max: Double? = nil) -> Double?? {
        guard let present = raw(field, required: required, nullable: nullable) else { return nil }
        guard let value = present else { return .some(nil) }
        let number: Double?
        switch value {
        case .integer(let integer): number = Double(integer)
        case .number(let double): number = double
        case .string(let string): number = Double(string.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number, number.isFinite else {
            fail(field, "A valid number is required.")
            return nil
        }
        return checkRange(field, number, min: min, max: max) ? .some(number) : nil
    }

    /// BooleanField: JSON booleans and DRF's accepted spellings.
    public mutating func bool(_ field: String, required: Bool) -> Bool? {
        guard let present = raw(field, required: required, nullable: false), let value = present else { return nil }
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

    /// ChoiceField over a string value already read with ``string(_:required:nullable:allowBlank:maxLength:)``.
    public mutating func choice(_ field: String, _ value: String?, isValid: (String) -> Bool) -> String? {
        guard let value else { return nil }
        guard isValid(value) else {
            fail(field, "\"\(value)\" is not a valid choice.")
            return nil
        }
        return value
    }

    private mutating func checkRange<Number: Comparable>(_ field: String, _ value: Number, min: Number?, max: Number?) -> Bool {
        if let min, value < min {
            fail(field, "Ensure this value is greater than or equal to \(min).")
            return false
        }
        if let max, value > max {
            fail(field, "Ensure this value is less than or equal to \(max).")
            return false
        }
        return true
    }
}
