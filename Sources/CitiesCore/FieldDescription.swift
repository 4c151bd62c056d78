/// One serializer field: it drives validation (``FieldReader``) and is what DRF's `OPTIONS`
/// metadata shows under `actions`, so the two cannot disagree.
package struct FieldDescription: Sendable, Hashable {
    package enum Kind: String, Sendable {
        case string, slug, integer, float, boolean, choice, datetime
        /// DRF's ListField of strings: ``maxLength`` bounds the items, ``childMaxLength`` each item.
        case list
    }

    package var name: String
    package var kind: Kind
    package var required = false
    package var readOnly = false
    package var nullable = false
    package var label: String
    package var maxLength: Int?
    package var minValue: Double?
    package var maxValue: Double?
    package var choices: [String]?
    package var childMaxLength: Int?

    package init(
        _ name: String, _ kind: Kind, label: String, required: Bool = false, readOnly: Bool = false, nullable: Bool = false,
        maxLength: Int? = nil, minValue: Double? = nil, maxValue: Double? = nil, choices: [String]? = nil, childMaxLength: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.label = label
        self.required = required
        self.readOnly = readOnly
        self.nullable = nullable
        self.maxLength = maxLength
        self.minValue = minValue
        self.maxValue = maxValue
        self.choices = choices
        self.childMaxLength = childMaxLength
    }

    /// DRF SimpleMetadata's description of the field.
    package var metadata: JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(kind.rawValue), "required": .bool(required), "read_only": .bool(readOnly), "label": .string(label),
        ]
        if let maxLength { object["max_length"] = .integer(Int64(maxLength)) }
        if kind == .list {
            var child: [String: JSONValue] = ["type": "string", "required": true, "read_only": false]
            if let childMaxLength { child["max_length"] = .integer(Int64(childMaxLength)) }
            object["child"] = .object(child)
        }
        if let minValue { object["min_value"] = .number(minValue) }
        if let maxValue { object["max_value"] = .number(maxValue) }
        if let choices {
            object["choices"] = .array(choices.map { .object(["value": .string($0), "display_name": .string($0)]) })
        }
        return .object(object)
    }
}
