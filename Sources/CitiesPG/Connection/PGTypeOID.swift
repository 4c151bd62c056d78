/// The built-in type OIDs CitiesPG encodes and decodes (`pg_type.oid`).
package enum PGTypeOID {
    package static let bool: UInt32 = 16
    package static let bytea: UInt32 = 17
    package static let name: UInt32 = 19
    package static let int8: UInt32 = 20
    package static let int2: UInt32 = 21
    package static let int4: UInt32 = 23
    package static let text: UInt32 = 25
    package static let textArray: UInt32 = 1009
    package static let oid: UInt32 = 26
    package static let json: UInt32 = 114
    package static let float4: UInt32 = 700
    package static let float8: UInt32 = 701
    package static let unknown: UInt32 = 705
    package static let bpchar: UInt32 = 1042
    package static let varchar: UInt32 = 1043
    package static let date: UInt32 = 1082
    package static let timestamp: UInt32 = 1114
    package static let timestamptz: UInt32 = 1184
    package static let numeric: UInt32 = 1700
    package static let uuid: UInt32 = 2950
    package static let jsonb: UInt32 = 3802

    static func name(of oid: UInt32) -> String {
        switch oid {
        case bool: return "bool"
        case bytea: return "bytea"
        case name: return "name"
        case int8: return "int8"
        case int2: return "int2"
        case int4: return "int4"
        case text: return "text"
        case textArray: return "text[]"
        case oid: return "oid"
        case json: return "json"
        case float4: return "float4"
        case float8: return "float8"
        case unknown: return "unknown"
        case bpchar: return "bpchar"
        case varchar: return "varchar"
        case date: return "date"
        case timestamp: return "timestamp"
        case timestamptz: return "timestamptz"
        case numeric: return "numeric"
        case uuid: return "uuid"
        case jsonb: return "jsonb"
        default: return "type with oid \(oid)"
        }
    }
}
