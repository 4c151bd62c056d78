import Foundation

/// The raw bytes of one non-NULL result field in binary format, with the column's type.
///
/// The bytes belong to the ``PGResult``: a cell is only valid during the `decode(from:)` call it is
/// passed to.
public struct PGCell {
    package let bytes: UnsafeRawBufferPointer
    package let typeOID: UInt32
    /// The column's name in the result; decoding errors name it.
    public let columnName: String

    func mismatch<T>(_ type: T.Type) -> PGError {
        .decoding(column: columnName, expected: "\(T.self)", found: PGTypeOID.name(of: typeOID))
    }

    func bigEndianInteger<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard bytes.count == MemoryLayout<T>.size else { return nil }
        return bytes.reduce(T.zero) { ($0 << 8) | T(truncatingIfNeeded: $1) }
    }
}

/// A Swift type that can be read from a result column.
public protocol PGDecodable: Sendable {
    /// Reads a non-NULL field; throws ``PGError/Code/decoding`` when the column's type is not one
    /// this type reads, or its bytes are malformed.
    static func decode(from cell: PGCell) throws -> Self
    /// What a SQL NULL becomes; non-optional types throw.
    static func decodeNull(columnName: String) throws -> Self
}

extension PGDecodable {
    /// Throws ``PGError/Code/decoding``: a non-optional type has no value for NULL.
    public static func decodeNull(columnName: String) throws -> Self {
        throw PGError.decoding(column: columnName, expected: "\(Self.self)", found: "NULL")
    }
}

/// A nullable column: NULL reads as `nil`, any other value as `Wrapped` reads it.
extension Optional: PGDecodable where Wrapped: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Wrapped? { try Wrapped.decode(from: cell) }
    public static func decodeNull(columnName: String) throws -> Wrapped? { nil }
}

/// Reads `int2`.
extension Int16: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Int16 {
        guard cell.typeOID == PGTypeOID.int2, let value = cell.bigEndianInteger(Int16.self) else {
            throw cell.mismatch(Int16.self)
        }
        return value
    }
}

/// Reads `int4` and `int2`.
extension Int32: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Int32 {
        switch cell.typeOID {
        case PGTypeOID.int2: return Int32(try Int16.decode(from: cell))
        case PGTypeOID.int4:
            if let value = cell.bigEndianInteger(Int32.self) { return value }
        default: break
        }
        throw cell.mismatch(Int32.self)
    }
}

/// Reads `int8`, `int4` and `int2`.
extension Int64: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Int64 {
        switch cell.typeOID {
        case PGTypeOID.int2, PGTypeOID.int4: return Int64(try Int32.decode(from: cell))
        case PGTypeOID.int8:
            if let value = cell.bigEndianInteger(Int64.self) { return value }
        default: break
        }
        throw cell.mismatch(Int64.self)
    }
}

/// Reads `int8`, `int4` and `int2`.
extension Int: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Int {
        do { return Int(try Int64.decode(from: cell)) } catch { throw cell.mismatch(Int.self) }
    }
}

/// Reads `float8` and `float4`; `numeric` is refused: cast it to `float8` in the query.
extension Double: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Double {
        switch cell.typeOID {
        case PGTypeOID.float8:
            if let bits = cell.bigEndianInteger(UInt64.self) { return Double(bitPattern: bits) }
        case PGTypeOID.float4:
            if let bits = cell.bigEndianInteger(UInt32.self) { return Double(Float(bitPattern: bits)) }
        default: break
        }
        throw cell.mismatch(Double.self)
    }
}

/// Reads `bool`.
extension Bool: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Bool {
        guard cell.typeOID == PGTypeOID.bool, cell.bytes.count == 1 else { throw cell.mismatch(Bool.self) }
        return cell.bytes[0] != 0
    }
}

/// Reads `text`, `varchar`, `bpchar` (blank-padded as stored), `name`, `unknown`, `json` and `jsonb`
/// (as JSON text). Other types, `uuid` and numbers among them, are refused: cast them to `text` in the query.
extension String: PGDecodable {
    static let textTypes: Set<UInt32> = [
        PGTypeOID.text, PGTypeOID.varchar, PGTypeOID.bpchar, PGTypeOID.name,
        PGTypeOID.unknown, PGTypeOID.json,
    ]

    public static func decode(from cell: PGCell) throws -> String {
        var bytes = cell.bytes
        if cell.typeOID == PGTypeOID.jsonb, bytes.first == 1 {
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        } else if !textTypes.contains(cell.typeOID) {
            throw cell.mismatch(String.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads `timestamptz`, `timestamp` (taken as UTC) and `date` (its midnight, UTC); `infinity` and
/// `-infinity` are refused.
extension Date: PGDecodable {
    public static func decode(from cell: PGCell) throws -> Date {
        switch cell.typeOID {
        case PGTypeOID.timestamptz, PGTypeOID.timestamp:
            if let micros = cell.bigEndianInteger(Int64.self), micros != .max, micros != .min {
                return PGTimestamp.date(microsecondsSince2000: micros)
            }
        case PGTypeOID.date:
            if let days = cell.bigEndianInteger(Int32.self), days != .max, days != .min {
                return PGTimestamp.date(microsecondsSince2000: Int64(days) * 86_400_000_000)
            }
        default: break
        }
        throw cell.mismatch(Date.self)
    }
}

/// Reads `uuid`.
extension UUID: PGDecodable {
    public static func decode(from cell: PGCell) throws -> UUID {
        guard cell.typeOID == PGTypeOID.uuid, cell.bytes.count == 16 else { throw cell.mismatch(UUID.self) }
        let b = cell.bytes
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}

/// Reads `bytea`.
extension Array: PGDecodable where Element == UInt8 {
    public static func decode(from cell: PGCell) throws -> [UInt8] {
        guard cell.typeOID == PGTypeOID.bytea else { throw cell.mismatch([UInt8].self) }
        return [UInt8](cell.bytes)
    }
}
