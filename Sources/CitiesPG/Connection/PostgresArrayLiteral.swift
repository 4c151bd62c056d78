/// A one-dimensional array parameter in PostgreSQL's text form (`{"a","b"}`), each element quoted
/// and escaped. Its type comes from a cast in the statement: `$1::text[]`, `$2::timestamptz[]`.
public struct PostgresArrayLiteral: PostgresEncodable {
    public static var typeOID: UInt32 { 0 }
    public let elements: [String]

    public init(_ elements: [String]) {
        self.elements = elements
    }

    public func postgresParameter() -> PostgresParameterValue {
        let quoted = elements.map { element -> String in
            var escaped = "\""
            for character in element {
                if character == "\\" || character == "\"" { escaped.append("\\") }
                escaped.append(character)
            }
            return escaped + "\""
        }
        return .text("{" + quoted.joined(separator: ",") + "}")
    }
}
