//! Shared presentational components: prices, stock, pagination, errors.

use leptos::prelude::*;
use leptos_meta::Title;
use rust_decimal::Decimal;

use crate::catalog::rules::{StockState, discount_percent, format_money};
use crate::error::AppError;

/// A price, or an offer price beside the struck-through regular price.
#[component]
pub fn Price(price: Decimal, offer_price: Option<Decimal>, currency: String) -> impl IntoView {
    match offer_price {
        Some(offer) => view! {
            <p class="price">
                <span class="price-now">{format_money(offer, &currency)}</span>
                " "
                <s class="price-was">
                    <span class="visually-hidden">"was "</span>
                    {format_money(price, &currency)}
                </s>
                " "
                <span class="badge badge-sale">{format!("{}% off", discount_percent(price, offer))}</span>
            </p>
        }
        .into_any(),
        None => view! {
            <p class="price">
                <span class="price-now">{format_money(price, &currency)}</span>
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

/// A whole-page error: "page not found", or the error's message for anything else.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let (heading, text) = match &error {
        AppError::NotFound => (
            "Page not found",
            "We couldn't find that page. It may have moved, or the link may be mistyped.".to_owned(),
        ),
        other => ("Something went wrong", other.to_string()),
    };
    view! {
        <Title text=heading />
        <section class="error-page">
            <h1>{heading}</h1>
            <p>{text}</p>
            <p>
                <a href="/">"Go to the home page"</a>
                " or "
                <a href="/products">"browse all products"</a>
                "."
            </p>
        </section>
    }
}

/// The page for a path no route matches.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <ErrorView error=AppError::not_found() /> }
}

/// Shown while a page's data loads after client-side navigation.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}
