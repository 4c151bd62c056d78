/// A one-dimensional array parameter in PostgreSQL's text form (`{"a","b"}`), each element quoted
/// and escaped. Its type comes from a cast in the statement: `$1::text[]`, `$2::timestamptz[]`.
package struct PGArrayLiteral: PGEncodable {
    package static var typeOID: UInt32 { 0 }
    package let elements: [String]

    package init(_ elements: [String]) {
        self.elements = elements
    }

    package func postgresParameter() -> PGParameterValue {
        .text(text)
    }

    /// `{"a","b"}`: the parameter's text, also what COPY's text format takes for an array column.
    package var text: String {
        // Byte by byte: `\` and `"` never occur inside a multi-byte UTF-8 sequence.
        let backslash = UInt8(ascii: "\\"), quote = UInt8(ascii: "\"")
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(quote)
            for byte in element.utf8 {
                if byte == backslash || byte == quote { bytes.append(backslash) }
                bytes.append(byte)
            }
            bytes.append(quote)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension PGArrayLiteral: PGDecodable {
    /// Reads a one-dimensional `text[]` column (binary format: dimensions, flags, element type,
    /// then each element's length and bytes). NULL elements are refused.
    package static func decode(from cell: PGCell) throws -> PGArrayLiteral {
        guard cell.typeOID == PGTypeOID.textArray else { throw cell.mismatch(PGArrayLiteral.self) }
        var reader = BinaryReader(bytes: cell.bytes)
        guard let dimensions = reader.int32(), reader.int32() != nil, reader.int32() != nil else { throw cell.mismatch(PGArrayLiteral.self) }
        if dimensions == 0 { return PGArrayLiteral([]) }
        guard dimensions == 1, let count = reader.int32(), reader.int32() != nil, count >= 0 else { throw cell.mismatch(PGArrayLiteral.self) }
        var elements: [String] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = reader.int32(), length >= 0, let bytes = reader.take(Int(length)) else { throw cell.mismatch(PGArrayLiteral.self) }
            elements.append(String(decoding: bytes, as: UTF8.self))
        }
        return PGArrayLiteral(elements)
    }

    private struct BinaryReader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func int32() -> Int32? {
            take(4).map { $0.reduce(0) { ($0 << 8) | Int32($1) } }
        }

        mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
            guard count <= bytes.count - offset else { return nil }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        }
    }
}
