import Foundation

/// A parameter value as sent to the server: text the server parses for the parameter's type, or raw
/// bytes (`bytea`).
public enum PostgresParameterValue: Sendable, Hashable {
    case text(String)
    case binary([UInt8])
}

/// A Swift value that can be bound to a `$n` placeholder.
///
/// ``typeOID`` tells the server the parameter's type; `0` lets the server infer it from the
/// statement, which is what strings need so they can stand for `uuid`, `citext`, enums and the like.
public protocol PostgresEncodable: Sendable {
    static var typeOID: UInt32 { get }
    func postgresParameter() -> PostgresParameterValue
}

extension String: PostgresEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PostgresParameterValue { .text(self) }
}

extension Substring: PostgresEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PostgresParameterValue { .text(String(self)) }
}

extension Int: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.int8 }
    public func postgresParameter() -> PostgresParameterValue { .text(String(self)) }
}

extension Int64: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.int8 }
    public func postgresParameter() -> PostgresParameterValue { .text(String(self)) }
}

extension Int32: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.int4 }
    public func postgresParameter() -> PostgresParameterValue { .text(String(self)) }
}

extension Int16: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.int2 }
    public func postgresParameter() -> PostgresParameterValue { .text(String(self)) }
}

extension Double: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.float8 }
    public func postgresParameter() -> PostgresParameterValue {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        return .text("\(self)")
    }
}

extension Bool: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.bool }
    public func postgresParameter() -> PostgresParameterValue { .text(self ? "t" : "f") }
}

extension UUID: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.uuid }
    public func postgresParameter() -> PostgresParameterValue { .text(uuidString) }
}

extension Date: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.timestamptz }
    public func postgresParameter() -> PostgresParameterValue {
        .text(PostgresTimestamp.isoString(self))
    }
}

extension Array: PostgresEncodable where Element == UInt8 {
    public static var typeOID: UInt32 { PostgresTypeOID.bytea }
    public func postgresParameter() -> PostgresParameterValue { .binary(self) }
}

extension Data: PostgresEncodable {
    public static var typeOID: UInt32 { PostgresTypeOID.bytea }
    public func postgresParameter() -> PostgresParameterValue { .binary([UInt8](self)) }
}
