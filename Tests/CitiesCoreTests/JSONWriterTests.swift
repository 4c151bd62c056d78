@testable import CitiesCore
import Foundation
import Testing

/// ``JSONWriter`` must give exactly the bytes `JSONEncoder` gives with the API's options, for any
/// value: an `ETag` is a hash of those bytes, and clients compare bodies.
@Suite struct JSONWriterTests {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private func expectSameBytes<Value: JSONWritable & Encodable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = String(decoding: try Self.encoder.encode(value), as: UTF8.self)
        let written = String(decoding: JSONWriter.bytes(of: value), as: UTF8.self)
        #expect(written == expected, sourceLocation: sourceLocation)
    }

    /// Scalars from every part of Unicode that JSON treats apart: controls, `"`, `\`, `/`, DEL,
    /// Latin-1, combining marks, the line separators JavaScript cares about, astral emoji.
    private static let interestingScalars: [ClosedRange<UInt32>] = [
        0x00...0x1F, 0x20...0x7F, 0x80...0xFF, 0x300...0x36F, 0x2028...0x2029, 0xFEFF...0xFEFF, 0x1F300...0x1F64F, 0x10FFFF...0x10FFFF,
    ]

    private func randomString(using generator: inout some RandomNumberGenerator, maximumLength: Int = 12) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maximumLength, using: &generator) {
            let range = Self.interestingScalars.randomElement(using: &generator)!
            text.append(Unicode.Scalar(UInt32.random(in: range, using: &generator))!)
        }
        return String(text)
    }

    private func randomDouble(using generator: inout some RandomNumberGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return Double(Int64.random(in: -1_000_000...1_000_000, using: &generator))
        case 1: return Double.random(in: -180...180, using: &generator)
        case 2: return [0.0, -0.0, 1e-7, 1e16, 1e21, 0.1 + 0.2, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 9_007_199_254_740_993]
            .randomElement(using: &generator)!
        default:
            var value: Double
            repeat { value = Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator)) } while !value.isFinite
            return value
        }
    }

    private func randomValue(depth: Int, using generator: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .integer(Int64.random(in: .min ... .max, using: &generator))
        case 3: return .number(randomDouble(using: &generator))
        case 4, 5: return .string(randomString(using: &generator))
        case 6: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth - 1, using: &generator) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                object[randomString(using: &generator, maximumLength: 4)] = randomValue(depth: depth - 1, using: &generator)
            }
            return .object(object)
        }
    }

    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 { try expectSameBytes(randomString(using: &generator, maximumLength: 40)) }
        for scalar in 0...0x7F { try expectSameBytes(String(Unicode.Scalar(UInt8(scalar)))) }
    }

    @Test func numbersAreWrittenAsJSONEncoderWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 { try expectSameBytes(randomDouble(using: &generator)) }
        for _ in 0..<2_000 { try expectSameBytes(Int64.random(in: .min ... .max, using: &generator)) }
        try expectSameBytes([Int64.min, Int64.max, 0, -1])
    }

    /// Keys in UTF-8 byte order, as JSONEncoder sorts them: `A` + combining ring before `a`,
    /// `e` + combining acute after `ea`, though Swift's `<` orders them by their composed forms.
    @Test func nestedValuesMatchWithKeysInJSONEncodersOrder() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { try expectSameBytes(randomValue(depth: 4, using: &generator)) }
        try expectSameBytes(["A\u{30A}": 1, "a": 2, "e\u{301}": 3, "ea": 4, "f": 5, "_": 6, "B": 7, "10": 8, "9": 9] as [String: Int])
    }

    @Test func representationsMatch() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let representation = CityRepresentation(
                id: Int64.random(in: 1 ... .max, using: &generator), slug: randomString(using: &generator), name: randomString(using: &generator),
                countryCode: randomString(using: &generator, maximumLength: 2),
                region: Bool.random(using: &generator) ? randomString(using: &generator) : nil, timezone: randomString(using: &generator),
                latitude: Bool.random(using: &generator) ? randomDouble(using: &generator) : nil,
                longitude: Bool.random(using: &generator) ? randomDouble(using: &generator) : nil,
                population: Bool.random(using: &generator) ? Int64.random(in: 0 ... .max, using: &generator) : nil, isActive: Bool.random(using: &generator),
                alternateNames: (0..<Int.random(in: 0...3, using: &generator)).map { _ in randomString(using: &generator) },
                eventCount: Int.random(in: 0 ... .max, using: &generator),
                createdAt: ISOTimestamp.string(from: Date(timeIntervalSince1970: Double.random(in: 0...2e9, using: &generator))),
                updatedAt: ISOTimestamp.string(from: Date(timeIntervalSince1970: Double.random(in: 0...2e9, using: &generator))))
            try expectSameBytes(representation)
            try expectSameBytes(CityEventCount(id: representation.id, slug: representation.slug, name: representation.name, eventCount: representation.eventCount))
        }
        try expectSameBytes(UpsertSummary(created: 3, updated: 2, unchanged: 1))
        var errors = ValidationErrors()
        errors.add("This field is required.", to: "name")
        errors.add("Ensure this field has no more than 200 characters.", to: "name")
        errors.addNonField("\"x\" is not a valid choice.")
        try expectSameBytes([errors, ValidationErrors()])
    }

    /// JSONEncoder refuses them; the writer has no error path, so a body stays JSON.
    @Test func nonFiniteNumbersAreNull() {
        #expect(String(decoding: JSONWriter.bytes(of: [Double.nan, .infinity, -.infinity, 1.5]), as: UTF8.self) == "[null,null,null,1.5]")
    }
}
