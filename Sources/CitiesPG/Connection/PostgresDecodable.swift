import Foundation

/// The raw bytes of one non-NULL result field in binary format, with the column's type.
public struct PostgresCell {
    public let bytes: UnsafeRawBufferPointer
    public let typeOID: UInt32
    public let columnName: String

    func mismatch<T>(_ type: T.Type) -> PostgresError {
        .decoding(column: columnName, expected: "\(T.self)", found: PostgresTypeOID.name(of: typeOID))
    }

    func bigEndianInteger<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard bytes.count == MemoryLayout<T>.size else { return nil }
        return bytes.reduce(T.zero) { ($0 << 8) | T(truncatingIfNeeded: $1) }
    }
}

/// A Swift type that can be read from a result column.
public protocol PostgresDecodable: Sendable {
    static func decode(from cell: PostgresCell) throws -> Self
    /// What a SQL NULL becomes; non-optional types throw.
    static func decodeNull(columnName: String) throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull(columnName: String) throws -> Self {
        throw PostgresError.decoding(column: columnName, expected: "\(Self.self)", found: "NULL")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Wrapped? { try Wrapped.decode(from: cell) }
    public static func decodeNull(columnName: String) throws -> Wrapped? { nil }
}

extension Int16: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int16 {
        guard cell.typeOID == PostgresTypeOID.int2, let value = cell.bigEndianInteger(Int16.self) else {
            throw cell.mismatch(Int16.self)
        }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int32 {
        switch cell.typeOID {
        case PostgresTypeOID.int2: return Int32(try Int16.decode(from: cell))
        case PostgresTypeOID.int4:
            if let value = cell.bigEndianInteger(Int32.self) { return value }
        default: break
        }
        throw cell.mismatch(Int32.self)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int64 {
        switch cell.typeOID {
        case PostgresTypeOID.int2, PostgresTypeOID.int4: return Int64(try Int32.decode(from: cell))
        case PostgresTypeOID.int8:
            if let value = cell.bigEndianInteger(Int64.self) { return value }
        default: break
        }
        throw cell.mismatch(Int64.self)
    }
}

extension Int: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int {
        do { return Int(try Int64.decode(from: cell)) } catch { throw cell.mismatch(Int.self) }
    }
}

extension Double: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Double {
        switch cell.typeOID {
        case PostgresTypeOID.float8:
            if let bits = cell.bigEndianInteger(UInt64.self) { return Double(bitPattern: bits) }
        case PostgresTypeOID.float4:
            if let bits = cell.bigEndianInteger(UInt32.self) { return Double(Float(bitPattern: bits)) }
        default: break
        }
        throw cell.mismatch(Double.self)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Bool {
        guard cell.typeOID == PostgresTypeOID.bool, cell.bytes.count == 1 else { throw cell.mismatch(Bool.self) }
        return cell.bytes[0] != 0
    }
}

extension String: PostgresDecodable {
    static let textTypes: Set<UInt32> = [
        PostgresTypeOID.text, PostgresTypeOID.varchar, PostgresTypeOID.bpchar, PostgresTypeOID.name,
        PostgresTypeOID.unknown, PostgresTypeOID.json,
    ]

    public static func decode(from cell: PostgresCell) throws -> String {
        var bytes = cell.bytes
        if cell.typeOID == PostgresTypeOID.jsonb, bytes.first == 1 {
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        } else if !textTypes.contains(cell.typeOID) {
            throw cell.mismatch(String.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Date: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Date {
        switch cell.typeOID {
        case PostgresTypeOID.timestamptz, PostgresTypeOID.timestamp:
            if let micros = cell.bigEndianInteger(Int64.self), micros != .max, micros != .min {
                return PostgresTimestamp.date(microsecondsSince2000: micros)
            }
        case PostgresTypeOID.date:
            if let days = cell.bigEndianInteger(Int32.self), days != .max, days != .min {
                return PostgresTimestamp.date(microsecondsSince2000: Int64(days) * 86_400_000_000)
            }
        default: break
        }
        throw cell.mismatch(Date.self)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> UUID {
        guard cell.typeOID == PostgresTypeOID.uuid, cell.bytes.count == 16 else { throw cell.mismatch(UUID.self) }
        let b = cell.bytes
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public static func decode(from cell: PostgresCell) throws -> [UInt8] {
        guard cell.typeOID == PostgresTypeOID.bytea else { throw cell.mismatch([UInt8].self) }
        return [UInt8](cell.bytes)
    }
}
