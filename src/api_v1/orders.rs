//! Orders: a person's own (list, read, place from the cart with cash on
//! delivery or card, pay, cancel), and the shop's for staff (list with the
//! admin filters, and the steps ship, deliver, cancel, refund).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::responses::{Forbidden, Invalid, NeedsToken, TooLarge, TooMany};
use super::{Answer, Money, PageQuery, Params, body, caller, idempotency_key, page_param, staff, staff_viewer};
use crate::account::{AddressInput, Role, UserId};
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::orders::{OrderNumber, OrderStatus, PaymentMethod};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrderOut {
    number: i64,
    /// RFC 3339.
    placed_at: String,
    /// pending, processing, shipped, delivered, cancelled or refunded.
    status: &'static str,
    total: Money,
}

impl OrderOut {
    /// A row of the shop's order list (staff), in the shop's currency.
    pub(super) fn of_row(row: crate::admin::OrderRow, currency: &str) -> Self {
        OrderOut {
            number: row.number.0,
            placed_at: row.placed_at.iso,
            status: row.status.param(),
            total: Money::new(row.total, currency),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrdersOut {
    orders: Vec<OrderOut>,
    page: u32,
    next: Option<String>,
}

impl OrdersOut {
    /// The rows of the shop's order list (staff).
    pub(super) fn of_rows(rows: Vec<crate::admin::OrderRow>, currency: &str, page: u32, next: Option<String>) -> Self {
        OrdersOut { orders: rows.into_iter().map(|o| OrderOut::of_row(o, currency)).collect(), page, next }
    }
}

/// Orders, newest first: a USER token's person's own, or the shop's for a
/// client token.
#[utoipa::path(get, path = "/api/v1/orders", tag = "Orders", params(PageQuery),
    responses((status = 200, description = "One page of orders", body = OrdersOut),
        (status = 400, description = "`page` is not a whole number from 1 to 100000", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:read"])))]
pub(super) async fn orders(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<Params>,
) -> Answer<OrdersOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersRead)?;
    let page = page_param(&params)?;
    let next = |more: bool| more.then(|| format!("/api/v1/orders?page={}", page + 1));
    match caller.person {
        Some((user, _)) => {
            let history = crate::orders::db::history(&state.pool, user, page).await?;
            let orders = history
                .orders
                .into_iter()
                .map(|o| OrderOut {
                    number: o.number.0,
                    placed_at: o.placed_at.iso,
                    status: o.status.param(),
                    total: Money::new(o.total, &o.currency),
                })
                .collect();
            Ok(Json(OrdersOut { orders, page, next: next(history.has_next) }))
        }
        None => {
            let filter = crate::admin::OrderFilter { page, ..Default::default() };
            let list = crate::admin::db::order_list(&state.pool, &filter).await?;
            Ok(Json(OrdersOut::of_rows(list.orders, &state.config.currency, page, next(list.has_next))))
        }
    }
}

/// The shop's orders with the admin page's filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct StaffOrdersQuery {
    /// pending, processing, shipped, delivered, cancelled or refunded.
    status: Option<String>,
    /// `card` or `cash`.
    payment: Option<String>,
    /// Placed on or after this day (YYYY-MM-DD, UTC).
    from: Option<String>,
    /// Placed on or before this day.
    to: Option<String>,
    /// Part of the customer's name, username or email.
    customer: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// The shop's orders, newest first, filtered as on the admin orders page
/// (staff: moderators and admins, or a client token).
#[utoipa::path(get, path = "/api/v1/staff/orders", tag = "Orders", params(StaffOrdersQuery),
    responses((status = 200, description = "One page of orders", body = OrdersOut),
        (status = 400, description = "A filter is malformed (each named)", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:read"])))]
pub(super) async fn staff_orders(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<Params>,
) -> Answer<OrdersOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Moderator, Scope::OrdersRead)?;
    let page = page_param(&params)?;
    let bad = |name: &str, what: &str| {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request").detail(format!("`{name}` must be {what}."))
    };
    let given = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let status = match given("status") {
        None => None,
        Some(v) => Some(
            OrderStatus::from_param(v)
                .ok_or_else(|| bad("status", "pending, processing, shipped, delivered, cancelled or refunded"))?,
        ),
    };
    let method = match given("payment") {
        None => None,
        Some(v) => Some(PaymentMethod::from_param(v).ok_or_else(|| bad("payment", "card or cash"))?),
    };
    let date = |name: &str| match given(name) {
        None => Ok(None),
        Some(d) if crate::admin::rules::is_date(d) => Ok(Some(d.to_owned())),
        Some(_) => Err(bad(name, "a date as YYYY-MM-DD")),
    };
    let filter = crate::admin::OrderFilter {
        status,
        method,
        from: date("from")?,
        to: date("to")?,
        customer: crate::search::rules::clean(given("customer").unwrap_or_default()),
        page,
    };
    let list = crate::admin::db::order_list(&state.pool, &filter).await?;
    let next = list.has_next.then(|| {
        let mut kept: Vec<(&String, &String)> = params.iter().filter(|(k, _)| k.as_str() != "page").collect();
        kept.sort();
        let query: String = kept
            .iter()
            .map(|(k, v)| format!("{}={}&", crate::ui::encode_component(k), crate::ui::encode_component(v)))
            .collect();
        format!("/api/v1/staff/orders?{query}page={}", page + 1)
    });
    Ok(Json(OrdersOut::of_rows(list.orders, &state.config.currency, page, next)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrderLineOut {
    product: i64,
    /// The variant sold (every product has at least one).
    variant: i64,
    /// The name when it was sold.
    name: String,
    /// The variant's option values when it was sold ("M / Blue"; empty for a
    /// product without options).
    options: String,
    /// The variant's SKU when it was sold.
    sku: String,
    /// The price when it was sold.
    unit_price: Money,
    quantity: i32,
    line_total: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrderEventOut {
    from: Option<&'static str>,
    to: &'static str,
    /// RFC 3339.
    at: String,
    note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrderDetailOut {
    number: i64,
    /// RFC 3339.
    placed_at: String,
    status: &'static str,
    /// `card` or `cash`.
    payment: &'static str,
    /// RFC 3339, once paid.
    paid_at: Option<String>,
    subtotal: Money,
    discount: Money,
    shipping: Money,
    total: Money,
    promo_code: Option<String>,
    address: AddressInput,
    lines: Vec<OrderLineOut>,
    /// The status timeline, oldest first.
    events: Vec<OrderEventOut>,
}

impl OrderDetailOut {
    fn new(o: crate::orders::OrderDetail) -> Self {
        let money = |amount| Money::new(amount, &o.currency);
        OrderDetailOut {
            number: o.number.0,
            placed_at: o.placed_at.iso.clone(),
            status: o.status.param(),
            payment: o.payment_method.param(),
            paid_at: o.paid_at.as_ref().map(|m| m.iso.clone()),
            subtotal: money(o.totals.subtotal),
            discount: money(o.totals.discount),
            shipping: money(o.totals.shipping),
            total: money(o.totals.total),
            promo_code: o.promo_code.clone(),
            address: o.address.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineOut {
                    product: l.product.0,
                    variant: l.variant.0,
                    name: l.name.clone(),
                    options: l.options.clone(),
                    sku: l.sku.clone(),
                    unit_price: money(l.unit_price),
                    quantity: l.quantity,
                    line_total: money(l.line_total()),
                })
                .collect(),
            events: o
                .events
                .iter()
                .map(|e| OrderEventOut {
                    from: e.from.map(OrderStatus::param),
                    to: e.to.param(),
                    at: e.at.iso.clone(),
                    note: e.note.clone(),
                })
                .collect(),
        }
    }
}

/// An order number from the path: anything but a whole number names no order.
fn order_number(text: &str) -> Result<OrderNumber, Problem> {
    text.parse().map(OrderNumber).map_err(|_| no_order())
}

fn no_order() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No order of yours has that number.")
}

/// One order with its lines, address and timeline: a USER token's person's
/// own (a pending card order is checked with Stripe first, as the order
/// page does), or any order for a client token.
#[utoipa::path(get, path = "/api/v1/orders/{number}", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number")),
    responses((status = 200, description = "The order", body = OrderDetailOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No order of theirs has that number", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:read"])))]
pub(super) async fn order(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(number): Path<String>,
) -> Answer<OrderDetailOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersRead)?;
    let number = order_number(&number)?;
    let owner = caller.person.map(|(user, _)| user);
    let mut conn = state.pool.acquire().await?;
    let (_, mut order) = crate::orders::db::detail(&mut conn, owner, number).await?.ok_or_else(no_order)?;
    if let Some(user) = owner
        && order.awaiting_card_payment()
        && state.payments.is_some()
    {
        drop(conn);
        let viewer = crate::account::db::viewer(&state.pool, user).await?.ok_or(AppError::Unauthorized)?;
        if let Ok(crate::orders::PayOutcome::Paid) = crate::orders::service::confirm(&state, &viewer, number).await {
            let mut conn = state.pool.acquire().await?;
            order = crate::orders::db::detail(&mut conn, owner, number).await?.ok_or_else(no_order)?.1;
        }
    }
    Ok(Json(OrderDetailOut::new(order)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlaceIn {
    /// `cash` (on delivery) or `card` (then confirm the PaymentIntent in
    /// the answer's `card` with Stripe's SDK).
    payment: String,
    /// A saved address's id; or give `address`.
    address_id: Option<i64>,
    /// A new address (kept in the address book when `save_address` is true).
    address: Option<AddressInput>,
    #[serde(default)]
    save_address: bool,
    /// A promo code.
    promo: Option<String>,
}

/// What a client needs to take a card payment with Stripe's SDK.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CardPaymentOut {
    /// The PaymentIntent's id.
    intent: String,
    /// Confirm the PaymentIntent with this (never log or store it).
    client_secret: String,
    /// The shop's Stripe publishable key.
    publishable_key: String,
}

impl From<crate::orders::service::CardPayment> for CardPaymentOut {
    fn from(c: crate::orders::service::CardPayment) -> Self {
        CardPaymentOut { intent: c.intent, client_secret: c.client_secret, publishable_key: c.publishable_key }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlacedOut {
    number: i64,
    status: &'static str,
    /// `card` or `cash`.
    payment: &'static str,
    total: Money,
    /// Card orders waiting for their payment: how to pay.
    card: Option<CardPaymentOut>,
}

/// The checkout token an `Idempotency-Key` stands for: the same key from the
/// same person always names the same order.
fn checkout_token(headers: &HeaderMap, user: UserId) -> Result<uuid::Uuid, Problem> {
    use sha2::Digest;
    let Some(key) = idempotency_key(headers)? else { return Ok(uuid::Uuid::new_v4()) };
    let digest = sha2::Sha256::digest(format!("{}:{key}", user.0).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// Places the token's person's cart as an order, priced by the store, paid
/// in cash on delivery or by card. A card order answers with the
/// PaymentIntent to confirm with Stripe's SDK; it is paid when Stripe says
/// so (read the order to see). With an `Idempotency-Key`, a retry answers
/// with the order the first request placed (200) and places nothing more.
#[utoipa::path(post, path = "/api/v1/orders", tag = "Orders",
    params(("Idempotency-Key" = Option<String>, Header, description = "Any key of yours: a retry with it returns the first order")),
    request_body(content = PlaceIn, example = json!({"payment": "cash", "address": {"full_name": "Amy Pond", "line1": "1 Main St",
        "city": "Leadworth", "postal_code": "12345", "country": "GB"}, "save_address": true})),
    responses((status = 201, description = "The order was placed", body = PlacedOut,
            headers(("Location" = String, description = "The order's own URL"))),
        (status = 200, description = "A retry: the order its Idempotency-Key placed", body = PlacedOut),
        (status = 400, description = "The body is not JSON, or the cart is empty", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 409, description = "Fewer are in stock, or too many orders wait to ship", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:write"])))]
pub(super) async fn place(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    use crate::checkout::service::ShipTo;
    let caller = caller(who)?;
    caller.require(Scope::OrdersWrite)?;
    let user = caller.person()?;
    let token = checkout_token(&headers, user)?;
    let input: PlaceIn = body(&bytes)?;
    let method = PaymentMethod::from_param(&input.payment)
        .ok_or_else(|| AppError::field("payment", "Pay by \"card\" or \"cash\" (on delivery)."))?;
    let ship_to = match (input.address_id, input.address) {
        (Some(id), None) => ShipTo::Saved(id),
        (None, Some(address)) => ShipTo::New { address, save: input.save_address },
        _ => return Err(AppError::field("address", "Give either address_id or address.").into()),
    };
    let placed = crate::checkout::service::place(&state, user, token, method, ship_to, input.promo.as_deref()).await?;
    let card = match (placed.method, placed.status) {
        (PaymentMethod::Card, OrderStatus::PendingPayment) => {
            let viewer = crate::account::db::viewer(&state.pool, user).await?.ok_or(AppError::Unauthorized)?;
            Some(crate::orders::service::card_payment(&state, &viewer, placed.number).await?.into())
        }
        _ => None,
    };
    let status = if placed.created { StatusCode::CREATED } else { StatusCode::OK };
    let out = PlacedOut {
        number: placed.number.0,
        status: placed.status.param(),
        payment: placed.method.param(),
        total: Money::new(placed.total, &state.config.currency),
        card,
    };
    let location = format!("/api/v1/orders/{}", placed.number.0);
    Ok((status, [(header::LOCATION, location)], Json(out)).into_response())
}

/// Starts or resumes paying one of the token's person's pending card
/// orders: the PaymentIntent to confirm with Stripe's SDK (the same one
/// each time until it is paid).
#[utoipa::path(post, path = "/api/v1/orders/{number}/payment", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number")),
    responses((status = 200, description = "How to pay", body = CardPaymentOut),
        (status = 400, description = "The order does not need paying, or the shop takes no cards", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No order of theirs has that number", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:write"])))]
pub(super) async fn card_payment(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(number): Path<String>,
) -> Answer<CardPaymentOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersWrite)?;
    let user = caller.person()?;
    let number = order_number(&number)?;
    let viewer = crate::account::db::viewer(&state.pool, user).await?.ok_or(AppError::Unauthorized)?;
    Ok(Json(crate::orders::service::card_payment(&state, &viewer, number).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OrderStateOut {
    number: i64,
    status: &'static str,
}

/// Cancels one of the token's person's orders that has not shipped: its
/// stock comes back, and a card payment is refunded.
#[utoipa::path(post, path = "/api/v1/orders/{number}/cancel", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number")),
    responses((status = 200, description = "The order is cancelled", body = OrderStateOut),
        (status = 400, description = "The order can no longer be cancelled", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No order of theirs has that number", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "The order can no longer be cancelled", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:write"])))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(number): Path<String>,
) -> Answer<OrderStateOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersWrite)?;
    let user = caller.person()?;
    let number = order_number(&number)?;
    let viewer = crate::account::db::viewer(&state.pool, user).await?.ok_or(AppError::Unauthorized)?;
    crate::orders::service::cancel_by_shopper(&state, &viewer, number).await?;
    Ok(Json(OrderStateOut { number: number.0, status: OrderStatus::Cancelled.param() }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StaffIn {
    /// A note for the order's timeline (at most 500 characters).
    note: Option<String>,
}

/// Moves an order one step as staff: `ship` and `deliver` (moderators and
/// admins), `cancel` and `refund` (admins); the customer is told, and the
/// step is in the audit log.
#[utoipa::path(post, path = "/api/v1/staff/orders/{number}/{action}", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number"),
        ("action" = String, Path, description = "ship, deliver, cancel or refund")),
    request_body(content = Option<StaffIn>, example = json!({"note": "Sent with DPD, parcel 123"})),
    responses((status = 200, description = "The order's status now", body = OrderStateOut),
        (status = 400, description = "The body is not JSON", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such order or step", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "The step is not allowed from the order's status", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The note is too long", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["orders:write"])))]
pub(super) async fn staff_step(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path((number, action)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer<OrderStateOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Moderator, Scope::OrdersWrite)?;
    let number = order_number(&number)?;
    let action = crate::orders::StaffAction::from_param(&action).ok_or_else(|| {
        Problem::new(StatusCode::NOT_FOUND, "Not found").detail("The step is ship, deliver, cancel or refund.")
    })?;
    let input: StaffIn = if bytes.is_empty() { StaffIn { note: None } } else { body(&bytes)? };
    let note = input.note.unwrap_or_default();
    if note.trim().chars().count() > 500 {
        return Err(AppError::field("note", "Use at most 500 characters.").into());
    }
    let viewer = staff_viewer(&state, &caller).await?;
    let ended = crate::orders::service::staff_action(&state, &viewer, number, action, note.trim()).await?;
    Ok(Json(OrderStateOut { number: number.0, status: ended.param() }))
}
