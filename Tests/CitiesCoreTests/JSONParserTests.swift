import CitiesCore
import Testing

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    private func message(_ text: String) -> String? {
        do {
            _ = try JSONParser.parse(Array(text.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5, 1e3, true, false, null, "x\n\u00e9\ud83c\udf89\/"], "b": {}, "c": []} "#)
        #expect(value == .object([
            "a": .array([.integer(1), .number(-2.5), .number(1000), .bool(true), .bool(false), .null, .string("x\né🎉/")]),
            "b": .object([:]), "c": .array([]),
        ]))
        #expect(try parse("12345678901234567890") == .number(1.2345678901234567e19))
        #expect(try parse("-0") == .integer(0))
    }

    /// Python's dict keeps the last value of a repeated key, and so does DRF.
    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        #expect(try parse(#"{"name": "first", "name": "last"}"#) == .object(["name": .string("last")]))
    }

    @Test func errorsReadLikePythons() {
        #expect(message("") == "Expecting value: line 1 column 1 (char 0)")
        #expect(message(#"{"name": "#) == "Expecting value: line 1 column 10 (char 9)")
        #expect(message("{\n\"é\": 1,}") == "Expecting property name enclosed in double quotes: line 2 column 8 (char 9)")
        #expect(message("[1 2]") == "Expecting ',' delimiter: line 1 column 4 (char 3)")
        #expect(message(#"{"a" 1}"#) == "Expecting ':' delimiter: line 1 column 6 (char 5)")
        #expect(message(#"["abc"#) == "Unterminated string starting at: line 1 column 2 (char 1)")
        #expect(message("[\"a\tb\"]") == "Invalid control character at: line 1 column 4 (char 3)")
        #expect(message(#"["\x"]"#) == "Invalid \\escape: line 1 column 3 (char 2)")
        #expect(message("{} []") == "Extra data: line 1 column 4 (char 3)")
        #expect(message("[01]") == "Expecting ',' delimiter: line 1 column 3 (char 2)")
        #expect(message("[NaN]") == "Out of range float values are not JSON compliant")
        #expect(message("-Infinity") == "Out of range float values are not JSON compliant")
        #expect(message(#""\ud800""#)?.hasPrefix("Unpaired surrogate") == true)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(message(deep) == "Nesting deeper than 512 levels: line 1 column 513 (char 512)")
        let allowed = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(message(allowed) == nil)
    }
}
