import Foundation

/// A parameter value as sent to the server: text the server parses for the parameter's type, or raw
/// bytes (`bytea`).
public enum PGParameterValue: Sendable, Hashable {
    case text(String)
    case binary([UInt8])
}

/// A Swift value that can be bound to a `$n` placeholder.
///
/// ``typeOID`` tells the server the parameter's type; `0` lets the server infer it from the
/// statement, which is what strings need so they can stand for `uuid`, `citext`, enums and the like.
public protocol PGEncodable: Sendable {
    static var typeOID: UInt32 { get }
    func postgresParameter() -> PGParameterValue
}

extension String: PGEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PGParameterValue { .text(self) }
}

extension Substring: PGEncodable {
    public static var typeOID: UInt32 { 0 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

extension Int: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int8 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

extension Int64: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int8 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

extension Int32: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int4 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

extension Int16: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.int2 }
    public func postgresParameter() -> PGParameterValue { .text(String(self)) }
}

extension Double: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.float8 }
    public func postgresParameter() -> PGParameterValue {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        return .text("\(self)")
    }
}

extension Bool: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.bool }
    public func postgresParameter() -> PGParameterValue { .text(self ? "t" : "f") }
}

extension UUID: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.uuid }
    public func postgresParameter() -> PGParameterValue { .text(uuidString) }
}

extension Date: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.timestamptz }
    public func postgresParameter() -> PGParameterValue {
        .text(PGTimestamp.isoString(self))
    }
}

extension Array: PGEncodable where Element == UInt8 {
    public static var typeOID: UInt32 { PGTypeOID.bytea }
    public func postgresParameter() -> PGParameterValue { .binary(self) }
}

extension Data: PGEncodable {
    public static var typeOID: UInt32 { PGTypeOID.bytea }
    public func postgresParameter() -> PGParameterValue { .binary([UInt8](self)) }
}
