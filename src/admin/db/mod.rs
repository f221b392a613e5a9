//! All of the admin area's SQL, one file per section: dashboard aggregates,
//! the staff lists, the catalog writes and the audit log. Every write takes
//! the caller's connection so that it and its audit row commit together.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgExecutor};

use super::rules::{ProductDraft, PromoDraft};
use super::{
    AdminImage, AuditEntry, AuditPage, CategoryRow, DayRevenue, LowStock, OrderFilter, OrderList, OrderRow, PAGE_SIZE,
    PeriodFigures, ProductFilter, ProductInput, ProductRow, PromoRow, UserDetail, UserList, UserRow,
};
use crate::account::{Role, UserId};
use crate::error::{AppError, ConstraintField};
use crate::orders::{OrderNumber, OrderStatus, PaymentMethod};

/// Products at or below this stock show on the dashboard: those shoppers
/// are told "Only n left".
pub use crate::product::rules::LOW_STOCK;

/// `%text%` for ILIKE, with the pattern characters in `text` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn offset(page: u32) -> i64 {
    i64::from(page.max(1) - 1) * PAGE_SIZE
}

/// Midnight (UTC) at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

mod audit;
mod catalog;
mod categories;
mod dashboard;
mod images;
mod promos;
mod users;
mod variants;

pub use audit::*;
pub use catalog::*;
pub use categories::*;
pub use dashboard::*;
pub use images::*;
pub use promos::*;
pub use users::*;
pub use variants::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(contains_pattern(" 50%_off "), "%50\\%\\_off%");
    }
}
