//! The catalog as CSV: export every product that is not archived, and import
//! a file that creates or updates products by slug (or name). The whole file
//! is checked first; it is applied in one transaction or not at all, and a
//! refusal lists every problem by line and column.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgConnection;

use super::db;
use super::rules::{ProductDraft, product_draft};
use super::{CsvProblem, ImportReport, ProductInput};
use crate::account::session::Auth;
use crate::account::{Role, UserId};
use crate::audit::Audit;
use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The columns, in export order; `name`, `category`, `price` and `stock` are required on import.
pub const COLUMNS: [&str; 9] =
    ["name", "slug", "category", "description", "price", "offer_price", "stock", "active", "featured"];
const REQUIRED: [&str; 4] = ["name", "category", "price", "stock"];
/// Where the import page finds the outcome of the last upload.
pub const REPORT_KEY: &str = "csv_import_report";

/// `GET /admin/products.csv`
pub async fn export(State(state): State<AppState>, Extension(auth): Extension<Auth>) -> Response {
    match auth.viewer() {
        None => return AppError::Unauthorized.into_response(),
        Some(v) if !v.role.includes(Role::Admin) => return AppError::Forbidden.into_response(),
        Some(_) => {}
    }
    match export_csv(&state).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"products.csv\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text for a cell of the export: one that a spreadsheet would run as a
/// formula (`=HYPERLINK(…)` in a product name) gets a leading apostrophe,
/// which spreadsheets show as text and the import takes off again.
fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(FORMULA_START) { format!("'{text}") } else { text.to_owned() }
}

/// A cell of an import, with the apostrophe the export put before a formula-like text taken off.
fn from_spreadsheet_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

pub async fn export_csv(state: &AppState) -> Result<Vec<u8>, AppError> {
    let rows = db::csv_rows(&state.pool).await?;
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let fail = |error: ::csv::Error| {
        tracing::error!(%error, "CSV export failed");
        AppError::Internal
    };
    out.write_record(COLUMNS).map_err(fail)?;
    for r in rows {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        out.write_record([
            &spreadsheet_text(&r.name),
            &r.slug,
            &r.category,
            &spreadsheet_text(&r.description),
            &r.price.to_string(),
            &r.offer_price.map(|p| p.to_string()).unwrap_or_default(),
            &r.stock.to_string(),
            yes_no(r.active),
            yes_no(r.featured),
        ])
        .map_err(fail)?;
    }
    out.into_inner().map_err(|error| {
        tracing::error!(%error, "CSV export failed");
        AppError::Internal
    })
}

/// `POST /admin/products/import` (multipart, field `file`). A browser form
/// is redirected to the import page, which shows the report; other callers
/// get the report as JSON (422 when refused).
pub async fn import(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let from_form = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let viewer = match auth.viewer() {
        None if from_form => return Redirect::to("/sign-in?next=/admin/products/import").into_response(),
        None => return AppError::Unauthorized.into_response(),
        Some(v) if !v.role.includes(Role::Admin) => return AppError::Forbidden.into_response(),
        Some(v) => v,
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(bytes) => file = Some(bytes),
                Err(_) => return AppError::field("file", "The file is larger than 20 MB.").into_response(),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                return AppError::field("file", "The upload was not a valid form, or larger than 20 MB.")
                    .into_response();
            }
        }
    }
    let report = match file.filter(|f| !f.is_empty()) {
        None => ImportReport::Refused {
            problems: vec![CsvProblem {
                line: 0,
                column: String::new(),
                message: "Choose a CSV file to import.".into(),
            }],
        },
        Some(bytes) => match apply(&state, viewer.id, &bytes).await {
            Ok(report) => report,
            Err(error) => return error.into_response(),
        },
    };
    if let ImportReport::Applied { created, updated } = &report
        && created + updated >= crate::db::BULK_ROWS
    {
        // In the background: the report does not wait for it.
        let pool = state.pool.clone();
        tokio::spawn(async move {
            if let Err(error) = crate::db::tidy_after_bulk_load(&pool).await {
                tracing::warn!(%error, "vacuum after a CSV import failed");
            }
        });
    }
    if from_form {
        if let Err(error) = auth.session().insert(REPORT_KEY, &report).await {
            return AppError::from(error).into_response();
        }
        return Redirect::to("/admin/products/import?report=1").into_response();
    }
    let status = match report {
        ImportReport::Applied { .. } => axum::http::StatusCode::OK,
        ImportReport::Refused { .. } => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, axum::Json(report)).into_response()
}

/// A row that passed every check, and the product it updates (if any).
struct Planned {
    line: u64,
    existing: Option<i64>,
    draft: ProductDraft,
}

/// Checks the whole file, then applies it in one transaction.
pub async fn apply(state: &AppState, actor: UserId, bytes: &[u8]) -> Result<ImportReport, AppError> {
    let mut conn = state.pool.begin().await?;
    let planned = match plan(&mut conn, bytes).await? {
        Ok(planned) => planned,
        Err(problems) => return Ok(ImportReport::Refused { problems }),
    };
    let (mut created, mut updated) = (0, 0);
    let mut problems = Vec::new();
    for row in &planned {
        let written = match row.existing {
            Some(id) => db::update_product(&mut conn, id, &row.draft).await.map(|_| id),
            None => db::create_product(&mut conn, &row.draft).await,
        };
        match written {
            Ok(_) if row.existing.is_some() => updated += 1,
            Ok(_) => created += 1,
            Err(AppError::Conflict { field, message }) => {
                problems.push(CsvProblem { line: row.line, column: field, message });
                // The transaction is aborted after a failed statement.
                break;
            }
            Err(error) => return Err(error),
        }
    }
    if !problems.is_empty() {
        return Ok(ImportReport::Refused { problems });
    }
    Audit::new(actor, "product.import", "product", "csv")
        .summary(format!("CSV import: {created} created, {updated} updated"))
        .write(&mut conn)
        .await?;
    conn.commit().await?;
    Ok(ImportReport::Applied { created, updated })
}

/// Reads and checks every row; `Err` lists every problem found.
async fn plan(conn: &mut PgConnection, bytes: &[u8]) -> Result<Result<Vec<Planned>, Vec<CsvProblem>>, AppError> {
    let problem = |line: u64, column: &str, message: String| CsvProblem { line, column: column.to_owned(), message };
    let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) else {
        return Ok(Err(vec![problem(0, "", "The file is not UTF-8 text. Save it as CSV UTF-8.".into())]));
    };
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).trim(::csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(_) => return Ok(Err(vec![problem(1, "", "The header line could not be read.".into())])),
    };
    let mut problems = Vec::new();
    for column in &headers {
        if !COLUMNS.contains(&column.as_str()) {
            problems.push(problem(1, column, format!("Unknown column \"{column}\". Columns: {}.", COLUMNS.join(", "))));
        }
    }
    for column in REQUIRED {
        if !headers.iter().any(|h| h == column) {
            problems.push(problem(1, column, format!("The column \"{column}\" is missing.")));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let categories: HashMap<String, i64> = db::categories(&mut *conn)
        .await?
        .into_iter()
        .flat_map(|c| [(c.slug.clone(), c.id), (c.name.to_lowercase(), c.id)])
        .collect();
    let existing = db::product_keys(&mut *conn).await?;
    let by_slug: HashMap<&str, i64> = existing.iter().map(|p| (p.slug.as_str(), p.id)).collect();
    let by_name: HashMap<&str, i64> = existing.iter().map(|p| (p.lower_name.as_str(), p.id)).collect();

    let mut planned = Vec::new();
    let mut seen_names: HashMap<String, u64> = HashMap::new();
    let mut seen_slugs: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(problem(line, "", "This line could not be read as CSV (check its quotes).".into()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |column: &str| {
            let cell = headers.iter().position(|h| h == column).and_then(|i| record.get(i)).unwrap_or("");
            from_spreadsheet_text(cell).to_owned()
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let category = get("category");
        let category_id = categories.get(&category).or_else(|| categories.get(&category.to_lowercase())).copied();
        if category_id.is_none() {
            let message = if category.is_empty() {
                "Name a category.".to_owned()
            } else {
                format!("There is no category \"{category}\".")
            };
            problems.push(problem(line, "category", message));
        }
        let flag = |column: &str, default: bool| -> Result<Option<String>, CsvProblem> {
            let value = get(column).to_ascii_lowercase();
            let on = match value.as_str() {
                "" => default,
                "yes" | "true" | "1" | "y" => true,
                "no" | "false" | "0" | "n" => false,
                _ => return Err(problem(line, column, "Use yes or no.".into())),
            };
            Ok(on.then(|| "on".to_owned()))
        };
        let (active, featured) = match (flag("active", true), flag("featured", false)) {
            (Ok(a), Ok(f)) => (a, f),
            (a, f) => {
                problems.extend(a.err());
                problems.extend(f.err());
                continue;
            }
        };
        let input = ProductInput {
            name: get("name"),
            slug: get("slug"),
            category_id: category_id.map(|id| id.to_string()).unwrap_or_else(|| "0".into()),
            description: get("description"),
            price: get("price"),
            offer_price: get("offer_price"),
            stock: get("stock"),
            active,
            featured,
        };
        let draft = match product_draft(&input) {
            Ok(draft) => draft,
            Err(errors) => {
                for (field, message) in errors {
                    // The category's own message is already listed.
                    if field != "category_id" {
                        problems.push(problem(line, &field, message));
                    }
                }
                continue;
            }
        };
        if let Some(first) = seen_names.insert(draft.name.to_lowercase(), line) {
            problems.push(problem(line, "name", format!("The name is also on line {first}.")));
        } else if let Some(first) = seen_slugs.insert(draft.slug.clone(), line) {
            problems.push(problem(line, "slug", format!("The slug is also on line {first}.")));
        }
        // A slug given in the file names the product to update; otherwise the name does.
        let existing = if input.slug.is_empty() {
            by_name.get(draft.name.to_lowercase().as_str()).copied()
        } else {
            by_slug.get(draft.slug.as_str()).copied()
        };
        planned.push(Planned { line, existing, draft });
    }
    if planned.is_empty() && problems.is_empty() {
        problems.push(problem(2, "", "The file has no products.".into()));
    }
    Ok(if problems.is_empty() { Ok(planned) } else { Err(problems) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_exported_as_text_and_imported_back_unchanged() {
        for text in ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1", "-2 for 1", "@SUM(A1)", "\tTabbed"] {
            let cell = spreadsheet_text(text);
            assert!(cell.starts_with('\''), "{cell}");
            assert_eq!(from_spreadsheet_text(&cell), text);
        }
        assert_eq!(spreadsheet_text("Green Tea"), "Green Tea");
        assert_eq!(from_spreadsheet_text("'quoted on purpose"), "'quoted on purpose");
    }
}
