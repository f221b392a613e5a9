//! The catalog as CSV: export every product that is not archived, one line
//! a variant (the product's columns repeated), and import a file that
//! creates or updates products by slug (or name) and sets their variants by
//! their options. The whole file is checked first; it is applied in one
//! transaction or not at all, and a refusal lists every problem by line and
//! column.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::db::{self, VariantEdit};
use super::rules::{OptionSpec, ProductDraft, VariantInput, check_options, product_draft, variant_rows};
use super::{CsvProblem, ImportReport, ProductInput};
use crate::account::session::Auth;
use crate::account::{Role, UserId};
use crate::audit::Audit;
use crate::error::AppError;
use crate::state::AppState;

/// Largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The columns, in export order; `name`, `category`, `price` and `stock` are
/// required on import. A line is a variant: `options` names it
/// ("Size=M; Colour=Blue", empty for a product sold one way), `stock` is its
/// stock, `variant_price` and `variant_offer_price` its own price (empty: the
/// product's).
pub const COLUMNS: [&str; 14] = [
    "name",
    "slug",
    "category",
    "description",
    "price",
    "offer_price",
    "stock",
    "active",
    "featured",
    "options",
    "sku",
    "variant_price",
    "variant_offer_price",
    "variant_active",
];
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
        let money = |amount: Option<rust_decimal::Decimal>| amount.map(|p| p.to_string()).unwrap_or_default();
        out.write_record([
            &spreadsheet_text(&r.name),
            &r.slug,
            &r.category,
            &spreadsheet_text(&r.description),
            &r.price.to_string(),
            &money(r.offer_price),
            &r.stock.to_string(),
            yes_no(r.active),
            yes_no(r.featured),
            &spreadsheet_text(&r.options),
            &spreadsheet_text(&r.sku),
            &money(r.variant_price),
            &money(r.variant_offer_price),
            yes_no(r.variant_active),
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

/// One line of the file as the variant it sets.
struct PlannedRow {
    line: u64,
    /// "Size" = "M", in the options' order (empty: a product sold one way).
    options: Vec<(String, String)>,
    /// Empty in the file: the variant keeps its SKU (or the one made for it).
    sku: Option<String>,
    price: Option<Decimal>,
    offer_price: Option<Decimal>,
    stock: i32,
    active: bool,
}

/// A product of the file: the line it first appears on, the product it
/// updates (if any), its fields, and its lines, one a variant.
struct Planned {
    line: u64,
    existing: Option<i64>,
    draft: ProductDraft,
    rows: Vec<PlannedRow>,
}

impl Planned {
    /// Its options with their values, in the order the file names them.
    fn options(&self) -> Vec<OptionSpec> {
        let mut specs: Vec<OptionSpec> = Vec::new();
        for row in &self.rows {
            for (i, (name, value)) in row.options.iter().enumerate() {
                if specs.len() <= i {
                    specs.push(OptionSpec { name: name.clone(), values: Vec::new() });
                }
                if !specs[i].values.iter().any(|v| v.eq_ignore_ascii_case(value)) {
                    specs[i].values.push(value.clone());
                }
            }
        }
        specs
    }
}

/// "Size=M; Colour=Blue": a variant's options as a cell holds them.
fn parse_option_cell(cell: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let shape = || format!("Write \"{part}\" as an option, an equals sign and its value, like Size=M.");
        let (name, value) = part.split_once('=').ok_or_else(shape)?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return Err(shape());
        }
        if pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(format!("{name} is named twice."));
        }
        pairs.push((name.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// Checks the whole file, then applies it in one transaction.
pub async fn apply(state: &AppState, actor: UserId, bytes: &[u8]) -> Result<ImportReport, AppError> {
    let mut conn = state.pool.begin().await?;
    let planned = match plan(&mut conn, bytes).await? {
        Ok(planned) => planned,
        Err(problems) => return Ok(ImportReport::Refused { problems }),
    };
    let (mut created, mut updated) = (0, 0);
    for product in &planned {
        match write(&mut conn, product).await {
            Ok(()) if product.existing.is_some() => updated += 1,
            Ok(()) => created += 1,
            // The transaction is aborted after a failed statement: the first
            // such problem is the report.
            Err(Refusal::Line(problem)) => return Ok(ImportReport::Refused { problems: vec![problem] }),
            Err(Refusal::Other(error)) => return Err(error),
        }
    }
    Audit::new(actor, "product.import", "product", "csv")
        .summary(format!("CSV import: {created} created, {updated} updated"))
        .write(&mut conn)
        .await?;
    conn.commit().await?;
    Ok(ImportReport::Applied { created, updated })
}

/// Why writing a product of the file stopped.
enum Refusal {
    /// A line the database refused (a SKU or name taken by a product the
    /// file does not name).
    Line(CsvProblem),
    Other(AppError),
}

impl From<sqlx::Error> for Refusal {
    fn from(error: sqlx::Error) -> Self {
        Refusal::Other(error.into())
    }
}

/// Writes one product of the file and its variants.
async fn write(conn: &mut PgConnection, product: &Planned) -> Result<(), Refusal> {
    let on_line = |line: u64| {
        move |error: AppError| match error {
            AppError::Conflict { field, message } => {
                let column = match field.as_str() {
                    "price" => "variant_price",
                    "offer_price" => "variant_offer_price",
                    other => other,
                };
                Refusal::Line(CsvProblem { line, column: column.to_owned(), message })
            }
            AppError::Validation(fields) => {
                let (field, message) = fields.into_iter().next().unwrap_or_default();
                Refusal::Line(CsvProblem { line, column: field, message })
            }
            other => Refusal::Other(other),
        }
    };
    let id = match product.existing {
        Some(id) => {
            db::update_product(conn, id, &product.draft).await.map_err(on_line(product.line))?;
            id
        }
        None => db::create_product(conn, &product.draft).await.map_err(on_line(product.line))?,
    };
    let first = &product.rows[0];
    if first.options.is_empty() {
        if let Some(sku) = &first.sku {
            db::set_only_variant_sku(conn, id, sku).await.map_err(on_line(first.line))?;
        }
        return Ok(());
    }
    let grid = db::variant_keys(&mut *conn, id).await?;
    let grid = if grid.iter().all(|v| v.values.is_empty()) {
        // New, or sold one way until now: the file's options make its grid,
        // and the combinations the file leaves out are not on sale.
        db::define_options(conn, id, &product.options()).await.map_err(on_line(product.line))?;
        let grid = db::variant_keys(&mut *conn, id).await?;
        for variant in &grid {
            let listed = product.rows.iter().any(|row| variant.is(&row.options));
            if !listed {
                let edit = VariantEdit { active: false, stock: 0, ..variant.edit() };
                db::update_variant(conn, id, variant.id, &edit).await.map_err(on_line(product.line))?;
            }
        }
        grid
    } else {
        grid
    };
    for row in &product.rows {
        let Some(variant) = grid.iter().find(|v| v.is(&row.options)) else {
            return Err(Refusal::Other(AppError::Internal));
        };
        let edit = VariantEdit {
            sku: row.sku.clone().unwrap_or_else(|| variant.sku.clone()),
            price: row.price,
            offer_price: row.offer_price,
            stock: row.stock,
            active: row.active,
            images: variant.images.clone(),
        };
        db::update_variant(conn, id, variant.id, &edit).await.map_err(on_line(row.line))?;
    }
    Ok(())
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

    let mut planned: Vec<Planned> = Vec::new();
    // Where each product of the file is in `planned`, by slug; the line a name first appears on.
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut seen_names: HashMap<String, (u64, String)> = HashMap::new();
    let mut seen_skus: HashMap<String, u64> = HashMap::new();
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
        let flag = |column: &str, default: bool| -> Result<bool, CsvProblem> {
            match get(column).to_ascii_lowercase().as_str() {
                "" => Ok(default),
                "yes" | "true" | "1" | "y" => Ok(true),
                "no" | "false" | "0" | "n" => Ok(false),
                _ => Err(problem(line, column, "Use yes or no.".into())),
            }
        };
        let (active, featured, variant_active) =
            match (flag("active", true), flag("featured", false), flag("variant_active", true)) {
                (Ok(a), Ok(f), Ok(v)) => (a, f, v),
                (a, f, v) => {
                    problems.extend([a.err(), f.err(), v.err()].into_iter().flatten());
                    continue;
                }
            };
        let on = |b: bool| b.then(|| "on".to_owned());
        let input = ProductInput {
            name: get("name"),
            slug: get("slug"),
            category_id: category_id.map(|id| id.to_string()).unwrap_or_else(|| "0".into()),
            description: get("description"),
            price: get("price"),
            offer_price: get("offer_price"),
            stock: get("stock"),
            active: on(active),
            featured: on(featured),
        };
        let mut failed = false;
        let draft = match product_draft(&input) {
            Ok(draft) => Some(draft),
            Err(errors) => {
                for (field, message) in errors {
                    // The category's own message is already listed.
                    if field != "category_id" {
                        problems.push(problem(line, &field, message));
                    }
                }
                None
            }
        };
        let options = match parse_option_cell(&get("options")) {
            Ok(options) => options,
            Err(message) => {
                problems.push(problem(line, "options", message));
                failed = true;
                Vec::new()
            }
        };
        // The variant's own columns, checked as the admin's grid checks them.
        let sku = get("sku");
        let cells = VariantInput {
            id: line.to_string(),
            sku: if sku.is_empty() { "KEPT".into() } else { sku.clone() },
            price: get("variant_price"),
            offer_price: get("variant_offer_price"),
            stock: get("stock"),
            active: on(variant_active),
            images: Default::default(),
        };
        let read = match variant_rows(std::slice::from_ref(&cells)) {
            Ok(mut rows) => Some(rows.remove(0).1),
            Err(errors) => {
                for (cell, message) in errors {
                    let field = cell.rsplit_once('-').map_or(cell.as_str(), |(field, _)| field);
                    let column = match field {
                        "price" => "variant_price",
                        "offer_price" => "variant_offer_price",
                        other => other,
                    };
                    // A bad stock is the product's column, already listed.
                    if column != "stock" {
                        problems.push(problem(line, column, message));
                    }
                }
                None
            }
        };
        let (Some(draft), Some(read), false) = (draft, read, failed) else { continue };
        if options.is_empty() && (read.price.is_some() || read.offer_price.is_some()) {
            problems.push(problem(
                line,
                "variant_price",
                "A product sold one way has its price in the price column.".into(),
            ));
            continue;
        }
        if !sku.is_empty()
            && let Some(first) = seen_skus.insert(sku.to_lowercase(), line)
        {
            problems.push(problem(line, "sku", format!("The SKU is also on line {first}.")));
            continue;
        }
        let row = PlannedRow {
            line,
            options,
            sku: (!sku.is_empty()).then_some(sku),
            price: read.price,
            offer_price: read.offer_price,
            stock: read.stock,
            active: read.active,
        };
        // A product on several lines (one a variant) repeats its own columns.
        if let Some(&at) = by_key.get(&draft.slug) {
            let first = &mut planned[at];
            if first.rows[0].options.is_empty() || row.options.is_empty() {
                problems.push(problem(line, "name", format!("The name is also on line {}.", first.line)));
                continue;
            }
            if first.draft != (ProductDraft { stock: first.draft.stock, ..draft.clone() }) {
                problems.push(problem(
                    line,
                    "name",
                    format!("The product's columns differ from line {}, where it first appears.", first.line),
                ));
                continue;
            }
            let names = |r: &PlannedRow| r.options.iter().map(|(n, _)| n.to_lowercase()).collect::<Vec<_>>();
            if names(&first.rows[0]) != names(&row) {
                problems.push(problem(
                    line,
                    "options",
                    format!("Name the same options in the same order as line {}.", first.line),
                ));
                continue;
            }
            let same =
                |a: &PlannedRow| a.options.iter().zip(&row.options).all(|((_, x), (_, y))| x.eq_ignore_ascii_case(y));
            if let Some(twin) = first.rows.iter().find(|r| same(r)) {
                problems.push(problem(line, "options", format!("This variant is also on line {}.", twin.line)));
                continue;
            }
            first.rows.push(row);
            continue;
        }
        if let Some((first, _)) = seen_names.get(&draft.name.to_lowercase()) {
            problems.push(problem(line, "name", format!("The name is also on line {first}.")));
            continue;
        }
        seen_names.insert(draft.name.to_lowercase(), (line, draft.slug.clone()));
        // A slug given in the file names the product to update; otherwise the name does.
        let existing = if input.slug.is_empty() {
            by_name.get(draft.name.to_lowercase().as_str()).copied()
        } else {
            by_slug.get(draft.slug.as_str()).copied()
        };
        by_key.insert(draft.slug.clone(), planned.len());
        planned.push(Planned { line, existing, draft, rows: vec![row] });
    }
    // Each product's variants against what it is sold as now.
    for product in &planned {
        let first = &product.rows[0];
        if !first.options.is_empty()
            && let Err(error) = check_options(&product.options())
        {
            problems.push(problem(first.line, "options", error.message_for("options").unwrap_or_default()));
            continue;
        }
        let Some(id) = product.existing else { continue };
        let grid = db::variant_keys(&mut *conn, id).await?;
        let in_variants = grid.iter().any(|v| !v.values.is_empty());
        if !in_variants {
            continue;
        }
        for row in &product.rows {
            if row.options.is_empty() {
                problems.push(problem(
                    row.line,
                    "options",
                    "The product comes in variants: give the line its options, like Size=M.".into(),
                ));
            } else if !grid.iter().any(|v| v.is(&row.options)) {
                let named = row.options.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
                problems.push(problem(
                    row.line,
                    "options",
                    format!(
                        "{} has no variant {named}: add its options' values in the admin first.",
                        product.draft.name
                    ),
                ));
            }
        }
    }
    if planned.is_empty() && problems.is_empty() {
        problems.push(problem(2, "", "The file has no products.".into()));
    }
    problems.sort_by_key(|p| p.line);
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
