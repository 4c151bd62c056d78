/// The built-in type OIDs CitiesPG encodes and decodes (`pg_type.oid`).
public enum PGTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let textArray: UInt32 = 1009
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let unknown: UInt32 = 705
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802

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
