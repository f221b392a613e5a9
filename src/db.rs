//! Database set-up shared by every feature: the embedded migrations.

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

/// Every migration under `migrations/`, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Applies pending migrations; safe to run on every start.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(pool).await
}
