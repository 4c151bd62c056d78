import ArgumentParser

/// Exit statuses of `citiesd` commands, as documented in the README.
enum ExitStatus {
    static let success = ExitCode.success
    /// `migrate status`: migrations are pending.
    static let pending = ExitCode(1)
    /// An applied migration's file has changed (checksum drift).
    static let drift = ExitCode(2)
    /// A migration failed and was rolled back.
    static let migrationFailed = ExitCode(3)
    /// The database could not be reached or answered with an error.
    static let databaseError = ExitCode(4)
    /// `import --strict`: lines were rejected, so nothing was written.
    static let rejected = ExitCode(5)
    /// `import`: an input file cannot be opened, read or decompressed (sysexits' EX_NOINPUT).
    static let inputUnreadable = ExitCode(66)
    /// Bad flags, environment or configuration files (ArgumentParser's own code for usage errors).
    static let usage = ExitCode.validationFailure
}
