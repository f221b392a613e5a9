//! The shop's staff operations (CLIENT tokens, or USER tokens whose owner
//! is staff now): products and their pictures, prices and stock (one or a
//! thousand at a time), categories, promo codes and customers. Each calls
//! the service the admin pages call and is in the audit log.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::catalog::CategoryOut;
use super::orders::OrderOut;
use super::responses::{Changed, Forbidden, Invalid, NeedsToken, NoProduct, NotJson, TooLarge, TooMany};
use super::{
    Answer, Money, Params, body, caller, idempotency_key, if_match, no_product, page_param, path_id, staff, via,
    with_version,
};
use crate::account::Role;
use crate::audit::Audit;
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StockIn {
    stock: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PriceIn {
    price: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct StockOut {
    id: i64,
    stock: i32,
    price: Money,
}

/// A product's exact stock and price (staff: the warehouse reads what it
/// sets; shoppers see only whether it is in stock).
#[utoipa::path(get, path = "/api/v1/products/{product}/stock", tag = "Inventory",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 200, description = "The product's stock and price", body = StockOut,
            headers(("ETag" = String, description = "The product's version: send it as If-Match when changing it"))),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 429, response = TooMany)),
    security(("bearer" = ["inventory:write"])))]
pub(super) async fn stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let id = path_id(&id, no_product)?;
    let (input, _, _) = crate::admin::db::product_input(&state.pool, id).await?.ok_or_else(no_product)?;
    let price = Decimal::from_str(input.price.trim()).map_err(|_| AppError::Internal)?;
    let stock = input.stock.trim().parse().map_err(|_| AppError::Internal)?;
    let out = Json(StockOut { id, stock, price: Money::new(price, &state.config.currency) }).into_response();
    with_version(&state.pool, id, out).await
}

/// Sets a product's stock (staff).
#[utoipa::path(put, path = "/api/v1/products/{product}/stock", tag = "Inventory",
    params(("product" = i64, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (its ETag): the change is made only if it is still that")),
    request_body(content = StockIn, example = json!({"stock": 42})),
    responses((status = 200, description = "The product's stock and price now", body = StockOut,
            headers(("ETag" = String, description = "The product's new version"))),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 412, response = Changed),
        (status = 413, response = TooLarge),
        (status = 422, description = "The stock is not a whole number, 0 or more", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["inventory:write"])))]
pub(super) async fn set_stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let id = path_id(&id, no_product)?;
    let input: StockIn = body(&bytes)?;
    let stock = i32::try_from(input.stock)
        .ok()
        .filter(|s| *s >= 0)
        .ok_or_else(|| AppError::field("stock", "Stock must be a whole number, 0 or more."))?;
    let mut tx = state.pool.begin().await?;
    if_match(&mut tx, &headers, id).await?;
    let (before, price) = crate::admin::db::quick_edit(&mut tx, id, Some(stock), None).await?.ok_or_else(no_product)?;
    let name = crate::admin::db::product_name(&mut *tx, id).await?.unwrap_or_default();
    Audit::new(caller.actor(), "product.stock", "product", id)
        .summary(format!("Stock of {name} ({})", via(&caller)))
        .change(json!({ "stock": before }), json!({ "stock": stock }))
        .write(&mut tx)
        .await?;
    let out = Json(StockOut { id, stock, price: Money::new(price, &state.config.currency) }).into_response();
    let out = with_version(&mut *tx, id, out).await?;
    tx.commit().await?;
    Ok(out)
}

/// Sets a product's price (staff); an offer no longer below it is cleared.
#[utoipa::path(put, path = "/api/v1/products/{product}/price", tag = "Catalog",
    params(("product" = i64, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (its ETag): the change is made only if it is still that")),
    request_body(content = PriceIn, example = json!({"price": "12.50"})),
    responses((status = 200, description = "The product's stock and price now", body = StockOut,
            headers(("ETag" = String, description = "The product's new version"))),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 412, response = Changed),
        (status = 413, response = TooLarge),
        (status = 422, description = "The price is not an amount above zero", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn set_price(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_product)?;
    let input: PriceIn = body(&bytes)?;
    let price = crate::admin::rules::parse_money(&input.price)
        .filter(|p| *p > Decimal::ZERO)
        .ok_or_else(|| AppError::field("price", "The price must be an amount above zero, like \"12.50\"."))?;
    let mut tx = state.pool.begin().await?;
    if_match(&mut tx, &headers, id).await?;
    let (stock, before) = crate::admin::db::quick_edit(&mut tx, id, None, Some(price)).await?.ok_or_else(no_product)?;
    let name = crate::admin::db::product_name(&mut *tx, id).await?.unwrap_or_default();
    Audit::new(caller.actor(), "product.price", "product", id)
        .summary(format!("Price of {name} ({})", via(&caller)))
        .change(json!({ "price": before.to_string() }), json!({ "price": price.to_string() }))
        .write(&mut tx)
        .await?;
    let out = Json(StockOut { id, stock, price: Money::new(price, &state.config.currency) }).into_response();
    let out = with_version(&mut *tx, id, out).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CustomerOut {
    id: String,
    username: String,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    /// RFC 3339.
    joined: String,
    orders: i64,
}

impl From<crate::admin::UserRow> for CustomerOut {
    fn from(u: crate::admin::UserRow) -> Self {
        CustomerOut {
            id: u.id.0.to_string(),
            username: u.username,
            name: u.name,
            email: u.email,
            role: u.role.label(),
            disabled: u.disabled,
            joined: u.joined.iso,
            orders: u.orders,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CustomersOut {
    customers: Vec<CustomerOut>,
    page: u32,
    next: Option<String>,
}

/// Customers, newest first, optionally matching `search`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct CustomersQuery {
    /// Part of a name, username or email.
    search: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// Customers (staff: admins).
#[utoipa::path(get, path = "/api/v1/customers", tag = "Customers", params(CustomersQuery),
    responses((status = 200, description = "One page of customers", body = CustomersOut),
        (status = 400, description = "`page` is not a whole number from 1 to 100000", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["customers:read"])))]
pub(super) async fn customers(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<Params>,
) -> Answer<CustomersOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CustomersRead)?;
    let page = page_param(&params)?;
    let search = crate::search::rules::clean(params.get("search").map(String::as_str).unwrap_or_default());
    let list = crate::admin::db::users(&state.pool, &search, page).await?;
    let next = list
        .has_next
        .then(|| format!("/api/v1/customers?search={}&page={}", crate::ui::encode_component(&search), page + 1));
    Ok(Json(CustomersOut { customers: list.users.into_iter().map(Into::into).collect(), page, next }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CustomerDetailOut {
    customer: CustomerOut,
    orders: Vec<OrderOut>,
}

/// A customer with their orders (staff: admins).
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "Customers",
    params(("id" = String, Path, description = "The customer's id (a UUID)")),
    responses((status = 200, description = "The customer and their orders", body = CustomerDetailOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No customer has that id", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["customers:read"])))]
pub(super) async fn customer(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Answer<CustomerDetailOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CustomersRead)?;
    let missing = || Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No customer has that id.");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| missing())?;
    let mut conn = state.pool.acquire().await?;
    let detail = crate::admin::db::user(&mut conn, crate::account::UserId(id)).await?.ok_or_else(missing)?;
    let orders = detail.orders.into_iter().map(|o| OrderOut::of_row(o, &state.config.currency)).collect();
    Ok(Json(CustomerDetailOut { customer: detail.user.into(), orders }))
}

/// The most rows one bulk stock update may hold.
const MAX_BULK_ROWS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkStockIn {
    /// 1 to 1,000 rows, each product at most once.
    items: Vec<BulkStockRow>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkStockRow {
    /// The product's id.
    id: i64,
    stock: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct BulkStockOut {
    /// How many products' stock was set.
    updated: usize,
}

/// Sets the stock of up to 1,000 products in one transaction: all of them,
/// or (with every bad row named, as `items[3].stock`) none.
#[utoipa::path(post, path = "/api/v1/inventory", tag = "Inventory",
    request_body(content = BulkStockIn, example = json!({"items": [{"id": 17, "stock": 40}, {"id": 18, "stock": 0}]})),
    responses((status = 200, description = "Every row was applied", body = BulkStockOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 422, description = "Some rows are wrong (each named); nothing was changed", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["inventory:write"])))]
pub(super) async fn bulk_stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Answer<BulkStockOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let input: BulkStockIn = body(&bytes)?;
    let mut errors = crate::error::FieldErrors::new();
    if input.items.is_empty() || input.items.len() > MAX_BULK_ROWS {
        errors.insert("items".into(), format!("Send from 1 to {MAX_BULK_ROWS} rows."));
        return Err(AppError::Validation(errors).into());
    }
    let mut seen = std::collections::HashSet::new();
    let (mut ids, mut stocks) = (Vec::new(), Vec::new());
    for (at, row) in input.items.iter().enumerate() {
        match i32::try_from(row.stock).ok().filter(|s| *s >= 0) {
            Some(stock) => stocks.push(stock),
            None => {
                errors.insert(format!("items[{at}].stock"), "Stock must be a whole number, 0 or more.".into());
                stocks.push(0);
            }
        }
        if !seen.insert(row.id) {
            errors.insert(format!("items[{at}].id"), "This product is already in an earlier row.".into());
        }
        ids.push(row.id);
    }
    let mut tx = state.pool.begin().await?;
    let before: std::collections::HashMap<i64, i32> =
        crate::admin::db::set_stocks(&mut tx, &ids, &stocks).await?.into_iter().collect();
    for (at, id) in ids.iter().enumerate() {
        if !before.contains_key(id) {
            errors.insert(format!("items[{at}].id"), "No product has this id.".into());
        }
    }
    if !errors.is_empty() {
        // Nothing is kept: the transaction is rolled back when dropped.
        return Err(AppError::Validation(errors).into());
    }
    let changed: Vec<(i64, i32, i32)> = ids
        .iter()
        .zip(&stocks)
        .filter(|(id, stock)| before[*id] != **stock)
        .map(|(id, s)| (*id, before[id], *s))
        .collect();
    Audit::new(caller.actor(), "product.stock_bulk", "product", format!("{} products", ids.len()))
        .summary(format!("Bulk stock update: {} rows, {} changed ({})", ids.len(), changed.len(), via(&caller)))
        .change(
            json!(changed.iter().map(|(id, b, _)| (id.to_string(), json!(b))).collect::<serde_json::Map<_, _>>()),
            json!(changed.iter().map(|(id, _, a)| (id.to_string(), json!(a))).collect::<serde_json::Map<_, _>>()),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Json(BulkStockOut { updated: ids.len() }))
}

/// A product as staff write it. Money is a decimal string.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ProductIn {
    name: String,
    /// Made from the name when left out.
    #[serde(default)]
    slug: String,
    category_id: i64,
    #[serde(default)]
    description: String,
    price: String,
    /// A lower price while on offer; null or left out for none.
    offer_price: Option<String>,
    stock: i64,
    /// On sale (true) or a draft only staff see.
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    featured: bool,
}

fn yes() -> bool {
    true
}

impl ProductIn {
    /// The editor's fields, checked by the editor's rules.
    fn form(&self) -> crate::admin::ProductInput {
        let on = |b: bool| b.then(|| "on".to_owned());
        crate::admin::ProductInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            category_id: self.category_id.to_string(),
            description: self.description.clone(),
            price: self.price.clone(),
            offer_price: self.offer_price.clone().unwrap_or_default(),
            stock: self.stock.to_string(),
            active: on(self.active),
            featured: on(self.featured),
        }
    }
}

/// A product as staff see it, drafts and archived ones too.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct StaffProductOut {
    id: i64,
    name: String,
    slug: String,
    category_id: i64,
    description: String,
    price: Money,
    offer_price: Option<Money>,
    stock: i64,
    active: bool,
    featured: bool,
    /// Sold once, then removed: kept for its orders, hidden from shoppers.
    archived: bool,
}

async fn staff_product(db: impl sqlx::PgExecutor<'_>, id: i64, currency: &str) -> Result<StaffProductOut, Problem> {
    let (input, archived, _) = crate::admin::db::product_input(db, id).await?.ok_or_else(no_product)?;
    let money = |text: &str| Decimal::from_str(text.trim()).ok().map(|d| Money::new(d, currency));
    Ok(StaffProductOut {
        id,
        price: money(&input.price).ok_or(AppError::Internal)?,
        offer_price: money(&input.offer_price),
        stock: input.stock.trim().parse().unwrap_or_default(),
        category_id: input.category_id.trim().parse().unwrap_or_default(),
        active: input.active.is_some(),
        featured: input.featured.is_some(),
        name: input.name,
        slug: input.slug,
        description: input.description,
        archived,
    })
}

fn product_example() -> serde_json::Value {
    json!({"name": "Espresso beans 1 kg", "category_id": 1, "description": "Dark roast.", "price": "24.00",
        "offer_price": null, "stock": 40, "active": true, "featured": false})
}

/// Creates a product (staff: admins). With an `Idempotency-Key`, a retry
/// with the same body answers with the product the first request made
/// (200) and makes nothing more; the same key with another body is a 422.
#[utoipa::path(post, path = "/api/v1/products", tag = "Catalog",
    params(("Idempotency-Key" = Option<String>, Header, description = "Any key of yours: a retry with it returns the first product")),
    request_body(content = ProductIn, example = product_example),
    responses((status = 201, description = "The product was made", body = StaffProductOut,
            headers(("Location" = String, description = "The product's own URL"))),
        (status = 200, description = "A retry: the product its Idempotency-Key made", body = StaffProductOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 409, description = "Another product has this name", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "A field is wrong (each named), or the Idempotency-Key was used with another body", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn create_product(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    use crate::integrations::db::{Remembered, claim_idempotency_key, remember_answer};
    use sha2::Digest;
    const OPERATION: &str = "POST /products";
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let key = idempotency_key(&headers)?;
    let input: ProductIn = body(&bytes)?;
    let hash = sha2::Sha256::digest(&bytes).to_vec();
    let mut tx = state.pool.begin().await?;
    if let Some(key) = &key
        && let Some(first) = claim_idempotency_key(&mut tx, caller.token, key).await?
    {
        if first.operation != OPERATION || first.request_hash != hash {
            return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Idempotency-Key reused")
                .detail("This Idempotency-Key was already used with another request; use a new key."));
        }
        return Ok((StatusCode::OK, Json(first.response)).into_response());
    }
    let id =
        crate::admin::service::save_product_in(&mut tx, caller.actor(), &via(&caller), None, &input.form()).await?;
    let out = staff_product(&mut *tx, id, &state.config.currency).await?;
    if let Some(key) = &key {
        let response = serde_json::to_value(&out).map_err(|_| AppError::Internal)?;
        let answer = Remembered { operation: OPERATION.into(), request_hash: hash, status: 201, response };
        remember_answer(&mut tx, caller.token, key, &answer).await?;
    }
    let location = [(header::LOCATION, format!("/api/v1/products/{id}"))];
    let out = with_version(&mut *tx, id, (StatusCode::CREATED, location, Json(out)).into_response()).await?;
    tx.commit().await?;
    Ok(out)
}

/// Changes every field of a product (staff: admins), as the editor does.
#[utoipa::path(put, path = "/api/v1/products/{product}", tag = "Catalog",
    params(("product" = i64, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (its ETag): the change is made only if it is still that")),
    request_body(content = ProductIn, example = product_example),
    responses((status = 200, description = "The product now", body = StaffProductOut,
            headers(("ETag" = String, description = "The product's new version"))),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 412, response = Changed),
        (status = 409, description = "Another product has this name", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn update_product(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_product)?;
    let input: ProductIn = body(&bytes)?;
    let mut tx = state.pool.begin().await?;
    if_match(&mut tx, &headers, id).await?;
    crate::admin::service::save_product_in(&mut tx, caller.actor(), &via(&caller), Some(id), &input.form()).await?;
    let out = Json(staff_product(&mut *tx, id, &state.config.currency).await?).into_response();
    let out = with_version(&mut *tx, id, out).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RemovedOut {
    /// `deleted`, or `archived` for a product that has sold (kept for its orders).
    removed: &'static str,
    message: String,
}

/// Removes a product (staff: admins): deleted when it never sold, else
/// archived — hidden from shoppers and kept for its orders.
#[utoipa::path(delete, path = "/api/v1/products/{product}", tag = "Catalog",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 200, description = "What was done", body = RemovedOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn remove_product(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Answer<RemovedOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_product)?;
    let (removal, message) = crate::admin::service::remove_product(&state, caller.actor(), &via(&caller), id).await?;
    let removed = match removal {
        crate::admin::db::Removal::Deleted => "deleted",
        crate::admin::db::Removal::Archived => "archived",
    };
    Ok(Json(RemovedOut { removed, message }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ActiveIn {
    active: bool,
}

/// Puts a product on sale or takes it off (a draft); an archived product
/// put on sale comes back (staff: admins).
#[utoipa::path(put, path = "/api/v1/products/{product}/active", tag = "Catalog",
    params(("product" = i64, Path, description = "The product's id")),
    request_body(content = ActiveIn, example = json!({"active": false})),
    responses((status = 200, description = "The product now", body = StaffProductOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 413, response = TooLarge),
        (status = 422, description = "`active` is not true or false", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn set_active(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer<StaffProductOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_product)?;
    let input: ActiveIn = body(&bytes)?;
    crate::admin::service::set_product_active(&state, caller.actor(), &via(&caller), id, input.active).await?;
    Ok(Json(staff_product(&state.pool, id, &state.config.currency).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ImagesOut {
    /// How many pictures were added.
    added: usize,
}

/// What a picture is described as.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct ImageQuery {
    /// Its description for screen readers (the product's name when left out; at most 300 characters).
    alt: Option<String>,
}

/// Adds a picture to a product (staff: admins): the body is the image
/// itself (PNG, JPEG or WebP, up to 8 MB and 40 megapixels), judged by its
/// content; it is stored in each size the shop serves.
#[utoipa::path(post, path = "/api/v1/products/{product}/images", tag = "Catalog",
    params(("product" = i64, Path, description = "The product's id"), ImageQuery),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The picture's bytes (image/png, image/jpeg or image/webp)"),
    responses((status = 201, description = "The picture was added", body = ImagesOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, response = NoProduct),
        (status = 413, response = TooLarge),
        (status = 422, description = "It is not a PNG, JPEG or WebP picture, or is too large a picture", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn upload_image(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_product)?;
    let alt = crate::search::rules::clean(params.get("alt").map(String::as_str).unwrap_or_default());
    let files = vec![("The picture".to_owned(), bytes)];
    let added = crate::admin::upload::add_images(&state, caller.actor(), &via(&caller), id, files, &alt).await?;
    Ok((StatusCode::CREATED, Json(ImagesOut { added })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CategoryIn {
    name: String,
    #[serde(default)]
    description: String,
}

fn no_category() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No category has that id.")
}

/// Makes a category (staff: admins).
#[utoipa::path(post, path = "/api/v1/categories", tag = "Catalog",
    request_body(content = CategoryIn, example = json!({"name": "Tea", "description": "Leaves and bags."})),
    responses((status = 201, description = "The category was made", body = CategoryOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 409, description = "Another category has this name", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The name or description is wrong", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn create_category(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let input: CategoryIn = body(&bytes)?;
    let via = via(&caller);
    let (id, _) =
        crate::admin::service::save_category(&state, caller.actor(), &via, None, &input.name, &input.description)
            .await?;
    Ok((StatusCode::CREATED, Json(category_out(&state, id).await?)).into_response())
}

async fn category_out(state: &AppState, id: i64) -> Result<CategoryOut, Problem> {
    let found = crate::catalog::db::categories(&state.pool).await?.into_iter().find(|c| c.id.0 == id);
    let category = found.ok_or_else(no_category)?;
    Ok(CategoryOut { id, slug: category.slug, name: category.name })
}

/// Renames or describes a category (staff: admins).
#[utoipa::path(put, path = "/api/v1/categories/{id}", tag = "Catalog",
    params(("id" = i64, Path, description = "The category's id")),
    request_body(content = CategoryIn, example = json!({"name": "Teas", "description": "Leaves and bags."})),
    responses((status = 200, description = "The category now", body = CategoryOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No category has that id", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "Another category has this name", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The name or description is wrong", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn update_category(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer<CategoryOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_category)?;
    let input: CategoryIn = body(&bytes)?;
    let via = via(&caller);
    crate::admin::service::save_category(&state, caller.actor(), &via, Some(id), &input.name, &input.description)
        .await?;
    Ok(Json(category_out(&state, id).await?))
}

/// Where a deleted category's products go.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct DeleteCategoryQuery {
    /// The category its products move to; needed when it has any.
    move_to: Option<i64>,
}

/// Deletes a category (staff: admins); its products move to `move_to` first.
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "Catalog",
    params(("id" = i64, Path, description = "The category's id"), DeleteCategoryQuery),
    responses((status = 204, description = "Deleted"),
        (status = 400, description = "`move_to` is not a whole number", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No category has that id", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "It still has products and no `move_to` was given", body = Details, content_type = "application/problem+json"),
        (status = 422, description = "`move_to` names no category, or the category itself", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn delete_category(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Result<StatusCode, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_category)?;
    let move_to = match params.get("move_to") {
        None => None,
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request").detail("`move_to` must be a category's id.")
        })?),
    };
    crate::admin::service::delete_category(&state, caller.actor(), &via(&caller), id, move_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PromoOut {
    id: i64,
    code: String,
    /// `percent` or `fixed`.
    kind: &'static str,
    /// A percentage ("10") or an amount off ("5.00").
    value: String,
    min_subtotal: Option<Money>,
    /// RFC 3339: the code works until then.
    expires_at: Option<String>,
    usage_limit: Option<i32>,
    used: i32,
    active: bool,
}

impl PromoOut {
    fn new(p: crate::admin::PromoRow, currency: &str) -> Self {
        PromoOut {
            id: p.id,
            code: p.code,
            kind: if p.percent { "percent" } else { "fixed" },
            value: p.value.normalize().to_string(),
            min_subtotal: p.min_subtotal.map(|m| Money::new(m, currency)),
            expires_at: p.expires_at.map(|m| m.iso),
            usage_limit: p.usage_limit,
            used: p.used_count,
            active: p.active,
        }
    }
}

/// The promo codes (staff: admins).
#[utoipa::path(get, path = "/api/v1/promos", tag = "Promotions",
    responses((status = 200, description = "Every promo code", body = [PromoOut]),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn promos(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<Vec<PromoOut>> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let promos = crate::admin::db::promos(&state.pool).await?;
    Ok(Json(promos.into_iter().map(|p| PromoOut::new(p, &state.config.currency)).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PromoIn {
    /// 3 to 32 letters, digits, `-` or `_` (kept in capitals).
    code: String,
    /// `percent` or `fixed`.
    kind: String,
    /// A percentage from 1 to 100, or an amount off.
    value: String,
    /// The least subtotal it applies to.
    min_subtotal: Option<String>,
    /// `YYYY-MM-DD`: the code works until the end of that day (UTC).
    expires_on: Option<String>,
    /// How many orders may use it.
    usage_limit: Option<i64>,
}

impl PromoIn {
    fn form(&self) -> crate::admin::PromoInput {
        crate::admin::PromoInput {
            code: self.code.clone(),
            kind: self.kind.clone(),
            value: self.value.clone(),
            min_subtotal: self.min_subtotal.clone().unwrap_or_default(),
            expires_on: self.expires_on.clone().unwrap_or_default(),
            usage_limit: self.usage_limit.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

async fn promo_out(state: &AppState, id: i64) -> Result<PromoOut, Problem> {
    let promo = crate::admin::db::promo(&state.pool, id).await?.ok_or_else(no_promo)?;
    Ok(PromoOut::new(promo, &state.config.currency))
}

fn no_promo() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No promo code has that id.")
}

/// Makes a promo code (staff: admins).
#[utoipa::path(post, path = "/api/v1/promos", tag = "Promotions",
    request_body(content = PromoIn, example = json!({"code": "SPRING10", "kind": "percent", "value": "10", "expires_on": "2027-05-31"})),
    responses((status = 201, description = "The promo code was made", body = PromoOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 409, description = "Another promo code is the same", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn create_promo(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let input: PromoIn = body(&bytes)?;
    let (id, _) = crate::admin::service::save_promo(&state, caller.actor(), &via(&caller), None, &input.form()).await?;
    Ok((StatusCode::CREATED, Json(promo_out(&state, id).await?)).into_response())
}

/// Changes a promo code (staff: admins).
#[utoipa::path(put, path = "/api/v1/promos/{id}", tag = "Promotions",
    params(("id" = i64, Path, description = "The promo code's id")),
    request_body(content = PromoIn, example = json!({"code": "SPRING10", "kind": "percent", "value": "15"})),
    responses((status = 200, description = "The promo code now", body = PromoOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No promo code has that id", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "Another promo code is the same", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn update_promo(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer<PromoOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_promo)?;
    let input: PromoIn = body(&bytes)?;
    crate::admin::service::save_promo(&state, caller.actor(), &via(&caller), Some(id), &input.form()).await?;
    Ok(Json(promo_out(&state, id).await?))
}

/// Turns a promo code on or off (staff: admins).
#[utoipa::path(put, path = "/api/v1/promos/{id}/active", tag = "Promotions",
    params(("id" = i64, Path, description = "The promo code's id")),
    request_body(content = ActiveIn, example = json!({"active": false})),
    responses((status = 200, description = "The promo code now", body = PromoOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No promo code has that id", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "`active` is not true or false", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["catalog:write"])))]
pub(super) async fn set_promo_active(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer<PromoOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = path_id(&id, no_promo)?;
    let input: ActiveIn = body(&bytes)?;
    crate::admin::service::set_promo_active(&state, caller.actor(), &via(&caller), id, input.active).await?;
    Ok(Json(promo_out(&state, id).await?))
}
