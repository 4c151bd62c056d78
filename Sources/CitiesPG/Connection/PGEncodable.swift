import Foundation

/// A parameter value as sent to the server: text the server parses for the parameter's type, or raw
/// bytes (`bytea`).
public enum PGParameterValue: Sendable, Hashable {
    /// Sent in text format, for the server to parse as the parameter's type. It must not hold a NUL
    /// byte: ``PGConnection/query(_:_:)`` throws ``PGError/Code/invalidParameter`` for one.
    case text(String)
    /// Sent in binary format, byte for byte: the type's binary representation, which for `bytea` is
    /// the bytes themselves.
    case binary([UInt8])
}

/// A Swift value that can be bound to a `$n` placeholder.
///
/// ``typeOID`` tells the server the parameter's type; `0` lets the server infer it from the
/// statement, which is what strings need so they can stand for `uuid`, `citext`, enums and the like.
///
/// A `nil` in the parameter list is sent as SQL NULL; conforming types never encode NULL themselves.
public protocol PGEncodable: Sendable {
    /// The `pg_type` OID the parameter is declared with when the statement is prepared; `0` leaves
    /// its type to the server.
    static var typeOID: UInt32 { get }
    /// The value as sent: text the server parses as the declared type, or `bytea` bytes.
    func postgresParameter() -> PGParameterValue
}

/// Sent as text of no declared type (OID 0): the server types it from the statement, so a string can
/// fill a `text`, `uuid`, `citext` or enum parameter.
extension String: PGEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PGParameterValue { .text(self) }
}

/// Sent as `String` is: text the server types from the statement.
extension Substring: PGEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

/// Sent as `int8` (`bigint`).
extension Int: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int8 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

/// Sent as `int8` (`bigint`).
extension Int64: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int8 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

/// Sent as `int4` (`integer`).
extension Int32: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int4 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

/// Sent as `int2` (`smallint`).
extension Int16: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int2 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

/// Sent as `float8` (`double precision`), exactly; NaN and the infinities as `NaN`, `Infinity` and
/// `-Infinity`.
extension Double: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.float8 }
    public func postgresParameter() -> PGParameterValue {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        return .text("\(self)")
    }
}

/// Sent as `bool`.
extension Bool: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.bool }
    public func postgresParameter() -> PGParameterValue { .text(self ? "t" : "f") }
}

/// Sent as `uuid`.
extension UUID: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.uuid }
    public func postgresParameter() -> PGParameterValue { .text(uuidString) }
}

/// Sent as `timestamptz`, in UTC and rounded to the microsecond, the server's precision.
extension Date: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.timestamptz }
    public func postgresParameter() -> PGParameterValue {
        .text(PGTimestamp.isoString(self))
    }
}

/// Sent as `bytea`, in binary format.
extension Array: PGEncodable where Element == UInt8 {
    public static var typeOID: UInt32 { PGTypeOID.bytea }
    public func postgresParameter() -> PGParameterValue { .binary(self) }
}

/// Sent as `bytea`, in binary format.
extension Data: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.bytea }
    public func postgresParameter() -> PGParameterValue { .binary([UInt8](self)) }
}
