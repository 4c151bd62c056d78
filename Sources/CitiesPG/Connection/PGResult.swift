import CLibPQ

/// A completed result, read in binary format. It owns libpq's `PGresult` and frees it when released;
/// it never changes after creation, so it may be shared across threads.
public final class PGResult: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The columns' names, in order, as the statement labels them; a name may repeat.
    public let columnNames: [String]
    /// Rows returned: 0 for a statement that returns none (see ``affectedRows``).
    public let rowCount: Int

    init(_ handle: OpaquePointer) {
        self.handle = handle
        self.rowCount = Int(PQntuples(handle))
        self.columnNames = (0..<PQnfields(handle)).map { String(cString: PQfname(handle, $0)) }
    }

    deinit { PQclear(handle) }

    /// Rows touched by INSERT/UPDATE/DELETE/COPY, or returned by SELECT.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? rowCount }

    /// Every row, in the order the server sent them.
    public var rows: [PGRow] { (0..<rowCount).map { PGRow(result: self, index: $0) } }

    /// The first row; nil when there is none.
    public var first: PGRow? { rowCount > 0 ? PGRow(result: self, index: 0) : nil }

    func columnIndex(named name: String) -> Int? { columnNames.firstIndex(of: name) }

    func decode<T: PGDecodable>(_ type: T.Type, row: Int, column: Int) throws -> T {
        let name = columnNames[column]
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return try T.decodeNull(columnName: name) }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        let bytes = UnsafeRawBufferPointer(start: PQgetvalue(handle, Int32(row), Int32(column)), count: length)
        return try T.decode(from: PGCell(bytes: bytes, typeOID: UInt32(PQftype(handle, Int32(column))), columnName: name))
    }
}

/// One row of a ``PGResult``, which it keeps alive.
public struct PGRow: Sendable {
    let result: PGResult
    let index: Int

    /// The field of the 0-based `column` as `T`. Throws ``PGError/Code/decoding`` when there is no
    /// such column, the field is NULL and `T` is not optional, or `T` cannot read the column's type.
    public func decode<T: PGDecodable>(_ type: T.Type, at column: Int) throws -> T {
        guard result.columnNames.indices.contains(column) else {
            throw PGError.decoding(column: "#\(column)", expected: "\(T.self)", found: "no such column")
        }
        return try result.decode(type, row: index, column: column)
    }

    /// The field of the first column named `column` as `T`; throws as ``decode(_:at:)`` does.
    public func decode<T: PGDecodable>(_ type: T.Type, named column: String) throws -> T {
        guard let position = result.columnIndex(named: column) else {
            throw PGError.decoding(column: column, expected: "\(T.self)", found: "no such column")
        }
        return try result.decode(type, row: index, column: position)
    }
}
