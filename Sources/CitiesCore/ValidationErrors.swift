/// DRF's validation error body: field name → messages, with cross-field errors under
/// `non_field_errors`. Serializers collect every error before throwing, as DRF does.
public struct ValidationErrors: Error, Sendable, Hashable, Codable {
    public static let nonFieldKey = "non_field_errors"

    public private(set) var fields: [String: [String]]

    public init(_ fields: [String: [String]] = [:]) {
        self.fields = fields
    }

    public var isEmpty: Bool { fields.isEmpty }

    public mutating func add(_ message: String, to field: String) {
        fields[field, default: []].append(message)
    }

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
