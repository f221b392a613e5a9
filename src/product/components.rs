//! A product's price and stock, as every card and page shows them.

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::rules::{StockState, discount_percent};
use crate::money::use_currency;

/// A price, or an offer price beside the struck-through regular price; with
/// `from`, the lowest of several variants' ("from $19.00"), and the offer's
/// saving when the product is on offer.
#[component]
pub fn Price(
    price: Decimal,
    offer_price: Option<Decimal>,
    #[prop(default = None)] from: Option<Decimal>,
) -> impl IntoView {
    let currency = use_currency();
    if let Some(lowest) = from {
        return view! {
            <p class="price">
                <span class="price-from">"from "</span>
                <span class="price-now">{currency.format(lowest)}</span>
                {offer_price.map(|offer| view! {
                    " "
                    <span class="badge badge-sale">{format!("{}% off", discount_percent(price, offer))}</span>
                })}
            </p>
        }
        .into_any();
    }
    match offer_price {
        Some(offer) => view! {
            <p class="price">
                <span class="price-now">{currency.format(offer)}</span>
                " "
                <s class="price-was">
                    <span class="visually-hidden">"was "</span>
                    {currency.format(price)}
                </s>
                " "
                <span class="badge badge-sale">{format!("{}% off", discount_percent(price, offer))}</span>
            </p>
        }
        .into_any(),
        None => view! {
            <p class="price">
                <span class="price-now">{currency.format(price)}</span>
            </p>
        }
        .into_any(),
    }
}

/// In stock, only N left, or out of stock.
#[component]
pub fn StockBadge(stock: i32) -> impl IntoView {
    let state = StockState::of(stock);
    let class = match state {
        StockState::InStock => "stock stock-in",
        StockState::Low(_) => "stock stock-low",
        StockState::OutOfStock => "stock stock-out",
    };
    view! { <p class=class>{state.label()}</p> }
}
