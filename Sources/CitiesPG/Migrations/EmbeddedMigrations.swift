/// The repository's `migrations/*.sql`, compiled into the library by the EmbedMigrations build
/// plugin (which generates `files`).
enum EmbeddedMigrations {}
