//! Order changes that involve the payment provider (server only): paying by
//! card, confirming on return, cancelling with a refund, and the sweep that
//! gives unpaid orders' stock back.

use super::db::{self, Locked};
use super::{OrderNumber, OrderStatus, PayOutcome, PaymentMethod, StaffAction};
use crate::account::{Role, UserId, Viewer};
use crate::error::AppError;
use crate::metrics::PaymentOutcome;
use crate::money::minor_units;
use crate::payments::{Intent, Payments};
use crate::state::AppState;

fn payments(state: &AppState) -> Result<&Payments, AppError> {
    state
        .payments
        .as_ref()
        .ok_or_else(|| AppError::BadRequest("Card payments are not available. Please choose cash on delivery.".into()))
}

/// The user's order, locked; other users' orders are "not found".
async fn own_order(conn: &mut sqlx::PgConnection, user: UserId, number: OrderNumber) -> Result<Locked, AppError> {
    match db::lock(conn, number).await? {
        Some(order) if order.user == user => Ok(order),
        _ => Err(AppError::NotFound),
    }
}

/// The user's Stripe customer, created on first card payment.
async fn customer(state: &AppState, payments: &Payments, viewer: &Viewer) -> Result<String, AppError> {
    if let Some(id) = db::stripe_customer(&state.pool, viewer.id).await? {
        return Ok(id);
    }
    let email = crate::account::db::primary_email(&state.pool, viewer.id).await?.unwrap_or_default();
    let created = payments.create_customer(viewer.id.0, &email, &viewer.username).await?;
    Ok(db::set_stripe_customer(&state.pool, viewer.id, &created).await?)
}

/// The order's PaymentIntent, created on the first attempt to pay.
async fn intent(state: &AppState, payments: &Payments, customer: &str, order: &Locked) -> Result<String, AppError> {
    if let Some(intent) = &order.payment_intent {
        return Ok(intent.clone());
    }
    let amount = minor_units(order.total, &state.config.currency).ok_or_else(|| {
        tracing::error!(order = order.number.0, total = %order.total, "the order total is not payable in the currency");
        AppError::Internal
    })?;
    let created = payments.create_intent(order.id, order.number.0, amount, &state.config.currency, customer).await?;
    Ok(db::set_payment_intent(&state.pool, order.id, &created.id).await?.unwrap_or(created.id))
}

/// One of `viewer`'s card orders that still needs paying, with their Stripe
/// customer and the order's PaymentIntent (made on the first attempt).
struct Payable<'a> {
    payments: &'a Payments,
    customer: String,
    intent: String,
}

async fn payable<'a>(state: &'a AppState, viewer: &Viewer, number: OrderNumber) -> Result<Payable<'a>, AppError> {
    let payments = payments(state)?;
    let order = {
        let mut conn = state.pool.acquire().await?;
        own_order(&mut conn, viewer.id, number).await?
    };
    if order.payment_method != PaymentMethod::Card || order.status != OrderStatus::PendingPayment || order.paid {
        return Err(AppError::BadRequest(format!("Order {number} does not need paying.")));
    }
    let customer = customer(state, payments, viewer).await?;
    let intent = intent(state, payments, &customer, &order).await?;
    Ok(Payable { payments, customer, intent })
}

/// Pays a pending card order with a Stripe.js card token.
pub async fn pay(state: &AppState, viewer: &Viewer, number: OrderNumber, token: &str) -> Result<PayOutcome, AppError> {
    let Payable { payments, customer, intent: intent_id } = payable(state, viewer, number).await?;
    let card = payments.add_card(&customer, token).await?;
    let intent = payments.pay(&intent_id, &card).await?;
    settle(state, &intent).await
}

/// What a client needs to pay a pending card order itself with Stripe's SDK
/// (the JSON API): the order's PaymentIntent, made on the first call.
pub struct CardPayment {
    pub intent: String,
    pub client_secret: String,
    pub publishable_key: String,
}

/// Starts (or resumes) paying one of `viewer`'s pending card orders.
pub async fn card_payment(state: &AppState, viewer: &Viewer, number: OrderNumber) -> Result<CardPayment, AppError> {
    let Payable { payments, intent: intent_id, .. } = payable(state, viewer, number).await?;
    let intent = payments.retrieve_intent(&intent_id).await?;
    let client_secret = intent.client_secret.ok_or_else(|| {
        tracing::error!(order = number.0, "the PaymentIntent came back without a client secret");
        AppError::Internal
    })?;
    Ok(CardPayment { intent: intent.id, client_secret, publishable_key: payments.publishable_key.clone() })
}

/// Called when the browser returns from paying (or from 3-D Secure): asks
/// Stripe and marks the order paid if it is. Idempotent.
pub async fn confirm(state: &AppState, viewer: &Viewer, number: OrderNumber) -> Result<PayOutcome, AppError> {
    let payments = payments(state)?;
    let order = {
        let mut conn = state.pool.acquire().await?;
        own_order(&mut conn, viewer.id, number).await?
    };
    if order.paid {
        return Ok(PayOutcome::Paid);
    }
    let Some(intent) = &order.payment_intent else {
        return Err(AppError::PaymentFailed("No payment was made yet.".into()));
    };
    let intent = payments.retrieve_intent(intent).await?;
    settle(state, &intent).await
}

async fn settle(state: &AppState, intent: &Intent) -> Result<PayOutcome, AppError> {
    if intent.succeeded() {
        let number = record_payment(state, None, &intent.id, intent.amount).await?;
        let mut conn = state.pool.acquire().await?;
        let cancelled = match number {
            Some(number) => db::lock(&mut conn, number).await?.filter(|o| o.status != OrderStatus::Processing),
            None => None,
        };
        drop(conn);
        if let Some(order) = cancelled {
            refund_late_payments(state).await?;
            return Err(AppError::PaymentFailed(format!(
                "Order {} was cancelled before your payment arrived, so the payment has been refunded in full.",
                order.number
            )));
        }
        return Ok(PayOutcome::Paid);
    }
    if intent.needs_action()
        && let Some(secret) = &intent.client_secret
    {
        return Ok(PayOutcome::NeedsAction { client_secret: secret.clone() });
    }
    Err(AppError::PaymentFailed("The payment did not go through. Please try another card.".into()))
}

/// The shopper cancels an order that has not shipped: stock comes back, and a
/// card payment is refunded first (if the refund fails, nothing changes).
pub async fn cancel_by_shopper(state: &AppState, viewer: &Viewer, number: OrderNumber) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let order = own_order(&mut tx, viewer.id, number).await?;
    drop(tx);
    cancel(state, &order, viewer.id, "").await
}

/// Cancels `order` (already checked as theirs, or as staff): a payment under
/// way is stopped first (or, if it succeeded after all, recorded), then the
/// order is cancelled and its stock comes back in one transaction, then a
/// card payment is refunded. Stripe is never called with a transaction open;
/// a refund that fails is retried by the sweep (the order is owed one).
async fn cancel(state: &AppState, order: &Locked, actor: UserId, note: &str) -> Result<(), AppError> {
    if order.status == OrderStatus::PendingPayment
        && let (Some(payments), Some(intent)) = (&state.payments, &order.payment_intent)
    {
        let current = payments.retrieve_intent(intent).await?;
        if current.succeeded() {
            record_payment(state, None, &current.id, current.amount).await?;
        } else if current.status != "canceled" {
            payments.cancel_intent(intent).await?;
        }
    }
    let mut tx = state.pool.begin().await?;
    let order = db::lock(&mut tx, order.number).await?.ok_or(AppError::NotFound)?;
    db::cancel(&mut tx, &state.config, &order, Some(actor), note).await?;
    tx.commit().await?;
    if order.paid && order.payment_method == PaymentMethod::Card {
        let refunded = refund_order(state, order.number, Some(actor), "", &[OrderStatus::Cancelled]).await;
        if let Err(error) = refunded {
            tracing::error!(order = order.number.0, %error, "refund after cancelling failed; the sweep retries it");
        }
    }
    Ok(())
}

/// Refunds a paid card order in one of `from` through Stripe, then records
/// it as Refunded (telling the shopper). Stripe's refund is idempotent per
/// order, so a retry refunds once. Answers whether the order was refunded
/// now (it may have moved on meanwhile).
async fn refund_order(
    state: &AppState,
    number: OrderNumber,
    actor: Option<UserId>,
    note: &str,
    from: &[OrderStatus],
) -> Result<bool, AppError> {
    let payments = payments(state)?;
    let order = {
        let mut conn = state.pool.acquire().await?;
        db::lock(&mut conn, number).await?.ok_or(AppError::NotFound)?
    };
    if !from.contains(&order.status) || !order.paid {
        return Ok(false);
    }
    let intent = order.payment_intent.as_deref().ok_or(AppError::Internal)?;
    payments.refund(order.id, intent).await?;
    let mut tx = state.pool.begin().await?;
    let Some(order) = db::lock(&mut tx, number).await?.filter(|o| from.contains(&o.status)) else {
        return Ok(false);
    };
    db::change_status(&mut tx, &state.config, &order, OrderStatus::Refunded, actor, note).await?;
    tx.commit().await?;
    Ok(true)
}

/// Staff move an order along one allowed step (see `StaffAction`), notifying
/// the customer and writing the audit log. Marking a cash-on-delivery order
/// delivered records its payment. Returns the status it ends in.
pub async fn staff_action(
    state: &AppState,
    viewer: &Viewer,
    number: OrderNumber,
    action: StaffAction,
    note: &str,
) -> Result<OrderStatus, AppError> {
    if !viewer.role.includes(action.required_role()) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.pool.begin().await?;
    let order = db::lock(&mut tx, number).await?.ok_or(AppError::NotFound)?;
    if !action.allowed(order.status, order.payment_method, order.paid) {
        return Err(AppError::Conflict { field: "action".into(), message: action.refusal(order.status) });
    }
    // Cancelling and refunding call Stripe: no transaction stays open for them.
    match action {
        StaffAction::Ship => {
            db::change_status(&mut tx, &state.config, &order, OrderStatus::Shipped, Some(viewer.id), note).await?
        }
        StaffAction::Deliver => {
            if order.payment_method == PaymentMethod::CashOnDelivery && !order.paid {
                db::record_cash_payment(&mut tx, order.id).await?;
            }
            db::change_status(&mut tx, &state.config, &order, OrderStatus::Delivered, Some(viewer.id), note).await?;
        }
        StaffAction::Cancel => {
            drop(tx);
            cancel(state, &order, viewer.id, note).await?;
            tx = state.pool.begin().await?;
        }
        StaffAction::Refund => {
            drop(tx);
            let from = [OrderStatus::Shipped, OrderStatus::Delivered];
            if !refund_order(state, number, Some(viewer.id), note, &from).await? {
                return Err(AppError::Conflict { field: "action".into(), message: action.refusal(order.status) });
            }
            tx = state.pool.begin().await?;
        }
    }
    let ended = db::lock(&mut tx, number).await?.ok_or(AppError::Internal)?.status;
    let audit =
        crate::audit::Audit::new(viewer.id, &format!("order.{}", action.param()), "order", number.0.to_string())
            .summary(format!("Order {number}: {} → {}", order.status.label(), ended.label()))
            .change(
                serde_json::json!({ "status": order.status.label() }),
                serde_json::json!({ "status": ended.label(), "note": note }),
            );
    audit.write(&mut tx).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Records a successful payment of `intent` (from the webhook, whose event
/// `event` is recorded in the same transaction, or from the return page):
/// the order becomes paid and processing, once. Answers the order it paid.
/// A payment for an order already cancelled is kept and refunded (see
/// `refund_late_payments`), never lost.
pub async fn record_payment(
    state: &AppState,
    event: Option<&str>,
    intent: &str,
    amount_minor: i64,
) -> Result<Option<OrderNumber>, AppError> {
    let mut tx = state.pool.begin().await?;
    if let Some(event) = event
        && !db::first_payment_event(&mut *tx, event, "payment_intent.succeeded").await?
    {
        tracing::info!(event, "webhook event seen before; ignored");
        state.metrics.payment(PaymentOutcome::Duplicate);
        return Ok(None);
    }
    let number = db::mark_paid(&mut tx, &state.config, intent, amount_minor).await?;
    if let (Some(event), Some(number)) = (event, number) {
        db::link_payment_event(&mut *tx, event, number).await?;
    }
    tx.commit().await?;
    state.metrics.payment(if number.is_some() { PaymentOutcome::Paid } else { PaymentOutcome::NoOrder });
    Ok(number)
}

/// Refunds every cancelled card order that holds a payment: one that arrived
/// after the order was cancelled (the shopper paid as the unpaid sweep
/// cancelled it), or one whose refund at cancelling failed. The shopper is
/// told by the status email, and every admin gets a notification. One that
/// fails is logged and tried again on the next sweep. Returns how many were
/// refunded.
pub async fn refund_late_payments(state: &AppState) -> Result<usize, AppError> {
    if state.payments.is_none() {
        return Ok(0);
    }
    let mut refunded = 0;
    for (number, late) in db::paid_but_cancelled(&state.pool).await? {
        let note = if late {
            "The payment arrived after the order was cancelled, so it was refunded in full."
        } else {
            "The payment was refunded in full."
        };
        match refund_order(state, number, None, note, &[OrderStatus::Cancelled]).await {
            Ok(false) => continue,
            Ok(true) => {}
            Err(error) => {
                tracing::error!(order = number.0, %error, "refunding a cancelled order's payment failed");
                continue;
            }
        }
        let mut tx = state.pool.begin().await?;
        crate::notifications::db::notify_role(
            &mut *tx,
            Role::Admin,
            &format!("Order {number}: its payment was refunded after cancelling"),
            note,
            &format!("/admin/orders/{}", number.0),
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(order = number.0, late, "refunded the payment of a cancelled order");
        refunded += 1;
    }
    Ok(refunded)
}

/// Cancels card orders left unpaid longer than configured, giving their stock
/// back; one whose payment did succeed is marked paid instead. Stripe is
/// asked before the order is locked (no transaction waits on the network),
/// and one order's failure is logged without stopping the others. Returns
/// how many were cancelled.
pub async fn sweep_unpaid(state: &AppState) -> Result<usize, AppError> {
    let mut cancelled = 0;
    for number in db::unpaid_since(&state.pool, state.config.unpaid_order_minutes).await? {
        match sweep_one(state, number).await {
            Ok(true) => cancelled += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(order = number.0, %error, "unpaid-order sweep skipped an order"),
        }
    }
    refund_late_payments(state).await?;
    Ok(cancelled)
}

/// Cancels one unpaid order, or records its payment if it succeeded after all.
async fn sweep_one(state: &AppState, number: OrderNumber) -> Result<bool, AppError> {
    let intent = {
        let mut conn = state.pool.acquire().await?;
        let Some(order) = db::lock(&mut conn, number).await? else { return Ok(false) };
        if order.status != OrderStatus::PendingPayment {
            return Ok(false);
        }
        order.payment_intent
    };
    if let (Some(payments), Some(intent)) = (&state.payments, &intent) {
        let current = payments.retrieve_intent(intent).await?;
        if current.succeeded() {
            record_payment(state, None, &current.id, current.amount).await?;
            return Ok(false);
        }
        if current.status != "canceled" {
            payments.cancel_intent(intent).await?;
        }
    }
    let mut tx = state.pool.begin().await?;
    let Some(order) = db::lock(&mut tx, number).await?.filter(|o| o.status == OrderStatus::PendingPayment) else {
        return Ok(false);
    };
    let note = format!("It was not paid within {} minutes.", state.config.unpaid_order_minutes);
    db::cancel(&mut tx, &state.config, &order, None, &note).await?;
    tx.commit().await?;
    Ok(true)
}

/// Guest carts untouched this long are deleted (their cookie lasts as long).
const GUEST_CART_DAYS: i32 = 30;

/// Runs the unpaid-order sweep (and guest cart cleanup) every minute.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match sweep_unpaid(&state).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "cancelled unpaid orders and released their stock"),
                Err(error) => tracing::warn!(%error, "unpaid-order sweep failed"),
            }
            if let Err(error) = crate::cart::db::delete_abandoned_guest_carts(&state.pool, GUEST_CART_DAYS).await {
                tracing::warn!(%error, "abandoned guest cart cleanup failed");
            }
        }
    });
}
