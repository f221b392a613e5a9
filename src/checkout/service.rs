//! Placing an order (server only): what the checkout page's form and the
//! JSON API both call, so an order is placed one way whichever asks.

use uuid::Uuid;

use super::db::{self, Checkout, Placed};
use crate::account::{AddressInput, UserId};
use crate::error::AppError;
use crate::orders::PaymentMethod;
use crate::state::AppState;

/// Where the order goes.
pub enum ShipTo {
    /// One of the shopper's saved addresses, by id.
    Saved(i64),
    /// A new address, kept in the address book when `save` is on.
    New { address: AddressInput, save: bool },
}

/// Places `user`'s cart as an order. The same `token` gives the same order:
/// a second submit (a double click, a retried API call) waits for the first
/// and is answered with its order, having written nothing.
pub async fn place(
    state: &AppState,
    user: UserId,
    token: Uuid,
    method: PaymentMethod,
    ship_to: ShipTo,
    promo: Option<&str>,
) -> Result<Placed, AppError> {
    if method == PaymentMethod::Card && state.payments.is_none() {
        return Err(AppError::field("payment", "Card payments are not available. Please choose cash on delivery."));
    }
    let mut tx = state.pool.begin().await?;
    let cart = match db::lock_checkout(&mut tx, user, token).await? {
        Checkout::Placed(placed) => {
            tx.commit().await?;
            return Ok(placed);
        }
        Checkout::Open { cart } => cart,
    };
    let shipping = match ship_to {
        ShipTo::New { address, save } => {
            let fields = address.checked()?;
            if save {
                crate::account::db::add_address(&mut tx, user, &fields).await?;
            }
            fields
        }
        ShipTo::Saved(id) => crate::account::db::address(&mut *tx, user, id)
            .await?
            .ok_or_else(|| AppError::field("address", "Choose an address to ship to."))?,
    };
    let order = db::NewOrder { user, token, method, address: &shipping, promo };
    let placed = db::place_locked(&mut tx, &state.config, order, cart).await?;
    tx.commit().await?;
    if placed.created {
        tracing::info!(order = placed.number.0, method = ?placed.method, "order placed");
        state.metrics.order_placed();
    }
    Ok(placed)
}
