//! A variant's stock by its SKU, for warehouses that count by SKU (staff).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::responses::{Forbidden, NeedsToken, NotJson, TooLarge, TooMany};
use super::{Answer, Money, body, caller, staff, via};
use crate::account::Role;
use crate::admin::db::SkuStock;
use crate::audit::Audit;
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SkuStockOut {
    sku: String,
    /// The product it is a variant of, and the variant.
    product: i64,
    variant: i64,
    /// "Shirt — M / Blue".
    name: String,
    stock: i32,
    /// What a shopper pays for it now.
    price: Money,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SkuStockIn {
    stock: i64,
}

fn no_sku() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No variant has that SKU.")
}

fn out(s: SkuStock, currency: &str) -> SkuStockOut {
    SkuStockOut {
        sku: s.sku,
        product: s.product,
        variant: s.variant,
        name: s.title,
        stock: s.stock,
        price: Money::new(s.price, currency),
    }
}

/// A variant's exact stock and price, by its SKU (any letter case).
#[utoipa::path(get, path = "/api/v1/inventory/{sku}", tag = "Inventory",
    params(("sku" = String, Path, description = "The variant's SKU", example = "ZIP-HOODIE-M-GREY")),
    responses((status = 200, description = "The variant's stock and price", body = SkuStockOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No variant has that SKU", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["inventory:write"])))]
pub(super) async fn stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(sku): Path<String>,
) -> Answer<SkuStockOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let found = crate::admin::db::stock_by_sku(&state.pool, &sku).await?.ok_or_else(no_sku)?;
    Ok(Json(out(found, &state.config.currency)))
}

/// Sets a variant's stock by its SKU (staff); its product's stock follows.
#[utoipa::path(put, path = "/api/v1/inventory/{sku}", tag = "Inventory",
    params(("sku" = String, Path, description = "The variant's SKU", example = "ZIP-HOODIE-M-GREY")),
    request_body(content = SkuStockIn, example = json!({"stock": 12})),
    responses((status = 200, description = "The variant's stock and price now", body = SkuStockOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No variant has that SKU", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The stock is not a whole number, 0 or more", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["inventory:write"])))]
pub(super) async fn set_stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(sku): Path<String>,
    bytes: Bytes,
) -> Answer<SkuStockOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let input: SkuStockIn = body(&bytes)?;
    let stock = i32::try_from(input.stock)
        .ok()
        .filter(|s| *s >= 0)
        .ok_or_else(|| AppError::field("stock", "Stock must be a whole number, 0 or more."))?;
    let mut tx = state.pool.begin().await?;
    let (before, after) = crate::admin::db::set_stock_by_sku(&mut tx, &sku, stock).await?.ok_or_else(no_sku)?;
    Audit::new(caller.actor(), "variant.stock", "product", before.product)
        .summary(format!("Stock of {} ({})", before.title, via(&caller)))
        .change(json!({ "sku": before.sku, "stock": before.stock }), json!({ "sku": after.sku, "stock": after.stock }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Json(out(after, &state.config.currency)))
}
