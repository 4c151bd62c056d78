/// DRF's validation error body: field name → messages, with cross-field errors under
/// `non_field_errors`. Serializers collect every error before throwing, as DRF does.
public struct ValidationErrors: Error, Sendable, Hashable, Codable {
    /// `non_field_errors`: the key of errors that concern no single field.
    public static let nonFieldKey = "non_field_errors"

    /// The messages by field (the JSON key), each field's in the order they were added.
    public private(set) var fields: [String: [String]]

    /// Creates errors from messages by field; none by default.
    public init(_ fields: [String: [String]] = [:]) {
        self.fields = fields
    }

    /// Whether no field is listed: a serializer with empty errors throws nothing.
    public var isEmpty: Bool { fields.isEmpty }

    /// Appends `message` to `field`'s messages.
    public mutating func add(_ message: String, to field: String) {
        fields[field, default: []].append(message)
    }

    /// Appends `message` to the messages under ``nonFieldKey``.
    public mutating func addNonField(_ message: String) {
        add(message, to: Self.nonFieldKey)
    }

    public init(from decoder: any Decoder) throws {
        fields = try [String: [String]](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
    }
}
