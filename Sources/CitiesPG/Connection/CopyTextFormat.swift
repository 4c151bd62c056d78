/// Encodes rows for `COPY … FROM STDIN` in PostgreSQL's text format: tab-separated, `\N` for NULL,
/// backslash escapes for the characters that would end a field or a row.
enum CopyTextFormat {
    static func append(_ row: [String?], rowNumber: Int, to buffer: inout [UInt8]) throws {
        for (index, field) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            // Most fields hold nothing to escape: copied whole.
            if !field.utf8.contains(where: { $0 <= UInt8(ascii: "\r") || $0 == UInt8(ascii: "\\") }) {
                buffer.append(contentsOf: field.utf8)
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 0:
                    throw PGError.invalidParameter(
                        index: index + 1, reason: "COPY row \(rowNumber) holds a NUL byte, which PostgreSQL cannot store")
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
