import CitiesPG
import PostgresNIO

/// A service that also talks to PostgreSQL through PostgresNIO (directly or through Vapor) imports
/// both modules in one file: CitiesPG's libpq layer is named `PG*`, so none of PostgresNIO's
/// `Postgres*` names below is ambiguous.
public enum DatabaseErrorDescription {
    /// The SQLSTATE of a failed database call, whichever client made it.
    public static func sqlState(of error: any Error) -> String? {
        switch error {
        case let error as PGError: error.sqlState
        case let error as PSQLError: error.serverInfo?[.sqlState]
        default: nil
        }
    }

    /// Reads a PostgresNIO row's first cell, with CitiesPG in scope.
    public static func firstText(of row: PostgresRow) throws -> String? {
        let cell: PostgresCell? = row.first
        return try cell?.decode(String?.self)
    }
}
