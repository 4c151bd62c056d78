/// A value ``JSONWriter`` renders: every body the API sends is one.
@usableFromInline package protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension String: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeString(self) }
}

extension Int: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeInteger(Int64(self)) }
}

extension Int64: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeInteger(self) }
}

extension Double: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeNumber(self) }
}

extension Bool: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeBool(self) }
}

/// `nil` is `null`, as `JSONEncoder` writes an optional it is given explicitly.
extension Optional: JSONWritable where Wrapped: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) {
        if let self { self.write(to: &json) } else { json.writeNull() }
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeArray(self) }
}

extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    @inlinable package func write(to json: inout JSONWriter) { json.writeObject(self) }
}

extension JSONValue: JSONWritable {
    @usableFromInline package func write(to json: inout JSONWriter) {
        switch self {
        case .null: json.writeNull()
        case .bool(let value): json.writeBool(value)
        case .integer(let value): json.writeInteger(value)
        case .number(let value): json.writeNumber(value)
        case .string(let value): json.writeString(value)
        case .array(let value): json.writeArray(value)
        case .object(let value): json.writeObject(value)
        }
    }
}

extension ValidationErrors: JSONWritable {
    @usableFromInline package func write(to json: inout JSONWriter) { json.writeObject(fields) }
}
