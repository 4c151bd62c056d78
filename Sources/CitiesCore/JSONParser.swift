/// Parses request bodies as Python's `json` module does for Django REST framework's `JSONParser`:
/// a repeated object key keeps its last value, `NaN` and `Infinity` are refused (DRF's strict
/// JSON), numbers too large for `Int64` become doubles, and errors read like Python's
/// (`Expecting value: line 1 column 1 (char 0)`). Nesting is bounded, so a hostile body cannot
/// exhaust the stack.
public struct JSONParser {
    /// Why a body is not JSON; the API answers 400 `JSON parse error - ` and the description.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Python's wording, with the position in characters.
        public let description: String
    }

    /// How deeply arrays and objects may nest; a deeper body throws ``SyntaxError``.
    public static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    /// Parses a whole body: one JSON value, with only JSON whitespace around it.
    ///
    /// Invalid UTF-8 in strings is replaced with U+FFFD rather than refused: check the encoding
    /// first (the API refuses such a body before parsing it).
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("Extra data") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func value() throws(SyntaxError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{"): return try nested { (parser: inout JSONParser) throws(SyntaxError) in try parser.object() }
        case UInt8(ascii: "["): return try nested { (parser: inout JSONParser) throws(SyntaxError) in try parser.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"), UInt8(ascii: "I"): throw nonCompliantConstant()
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"): throw nonCompliantConstant()
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): return try number()
        default: throw error("Expecting value")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws(SyntaxError) -> JSONValue) throws(SyntaxError) -> JSONValue {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("Nesting deeper than \(Self.maximumDepth) levels") }
        defer { depth -= 1 }
        return try body(&self)
    }

    private mutating func object() throws(SyntaxError) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw error("Expecting property name enclosed in double quotes") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
            index += 1
            skipWhitespace()
            members[key] = try value()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw error("Expecting ',' delimiter")
            }
        }
    }

    private mutating func array() throws(SyntaxError) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw error("Expecting ',' delimiter")
            }
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        let start = index
        index += 1
        var scalars: [UInt8] = []
        var runStart = index
        while true {
            guard let byte = current else { throw error("Unterminated string starting at", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                scalars.append(contentsOf: bytes[runStart..<index])
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                scalars.append(contentsOf: bytes[runStart..<index])
                try escape(into: &scalars)
                runStart = index
            case 0..<0x20:
                throw error("Invalid control character at")
            default:
                index += 1
            }
        }
    }

    private mutating func escape(into output: inout [UInt8]) throws(SyntaxError) {
        let start = index
        index += 1
        guard let byte = current else { throw error("Unterminated string starting at", at: start) }
        index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
            UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let replacement = simple[byte] {
            output.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("Invalid \\escape", at: start) }
        var scalar = try hexQuad(escapeAt: start)
        if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
            let lowStart = index
            index += 2
            let low = try hexQuad(escapeAt: lowStart)
            guard (0xDC00..<0xE000).contains(low) else { throw error("Unpaired surrogate in \\uXXXX escape", at: start) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        // Python keeps lone surrogates; no Swift string (or PostgreSQL text) can hold one.
        guard let unicode = Unicode.Scalar(scalar) else { throw error("Unpaired surrogate in \\uXXXX escape", at: start) }
        output.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    private mutating func hexQuad(escapeAt start: Int) throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexDigit(byte) else { throw error("Invalid \\uXXXX escape", at: start) }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(SyntaxError) -> JSONValue {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw error("Expecting value")
        }
        index += expected.count
        return value
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(SyntaxError) -> JSONValue {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.index
            while let byte = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { parser.index += 1 }
            return parser.index - first
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            index = start
            throw error("Expecting value")
        }
        var integral = true
        if current == UInt8(ascii: "."), index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
            index += 1
            _ = digits(&self)
            integral = false
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            let exponentStart = index
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            if digits(&self) == 0 {
                index = exponentStart
            } else {
                integral = false
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text) else { throw error("Expecting value", at: start) }
        return .number(double)
    }

    private func nonCompliantConstant() -> SyntaxError {
        SyntaxError(description: "Out of range float values are not JSON compliant")
    }

    /// `message: line L column C (char N)`, counted in characters as Python counts them.
    private func error(_ message: String, at position: Int? = nil) -> SyntaxError {
        let position = min(position ?? index, bytes.count)
        var line = 1
        var column = 1
        var characters = 0
        for byte in bytes[..<position] where byte & 0xC0 != 0x80 {
            characters += 1
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SyntaxError(description: "\(message): line \(line) column \(column) (char \(characters))")
    }
}
