//! The header's cart link and bell, and the one resource they read.

use leptos::prelude::*;

use super::HeaderCounts;
use super::api::get_header_counts;
use crate::account::components::AuthContext;
use crate::cart::components::CartContext;
use crate::error::AppError;
use crate::notifications::pages::NotificationContext;

/// The header's counts, fetched again whenever the cart, the notifications or
/// who is signed in changes.
#[derive(Clone, Copy)]
pub struct HeaderCountsContext(pub Resource<Result<HeaderCounts, AppError>>);

impl HeaderCountsContext {
    /// Creates the one header resource; called once by `App`, after the
    /// contexts whose versions it follows.
    pub fn provide(auth: AuthContext, cart: CartContext, bell: NotificationContext) -> Self {
        let counts = Resource::new(
            move || (cart.version.get(), bell.version.get(), auth.version.get()),
            |_| get_header_counts(),
        );
        let context = HeaderCountsContext(counts);
        provide_context(context);
        context
    }
}

/// The header's link to the cart, with how many items it holds, and what the
/// latest add-to-cart did. "Added to your cart." fades after a few seconds
/// (by CSS alone before hydration); an error stays until dismissed; either
/// goes when the shopper moves to another page.
#[component]
pub fn HeaderCart() -> impl IntoView {
    let (Some(HeaderCountsContext(counts)), Some(cart)) =
        (use_context::<HeaderCountsContext>(), use_context::<CartContext>())
    else {
        return ().into_any();
    };
    let value = cart.add.value();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |seen: Option<()>| {
        location.pathname.track();
        if seen.is_some() {
            value.set(None);
        }
    });
    let version = cart.add.version();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            let shown = version.get_untracked();
            set_timeout(
                move || {
                    if version.get_untracked() == shown {
                        value.set(None);
                    }
                },
                TOAST_TIME,
            );
        }
    });
    // `try_get`: a render still running after its request went away (the
    // client hung up) reads nothing instead of panicking.
    let outcome = move || match value.try_get().flatten() {
        Some(Ok(_)) => Some(("cart-toast cart-toast-ok", "Added to your cart.".to_owned())),
        Some(Err(error)) => {
            Some(("cart-toast cart-toast-error", error.message_for("quantity").unwrap_or_else(|| error.to_string())))
        }
        None => None,
    };
    view! {
        <div class="cart-header">
            <div role="status" aria-live="polite" class="cart-status">
                {move || outcome().map(|(class, text)| view! {
                    <span class=class>
                        {text}
                        <button type="button" class="toast-dismiss" on:click=move |_| value.set(None)>
                            <span aria-hidden="true">"×"</span>
                            <span class="visually-hidden">"Dismiss"</span>
                        </button>
                    </span>
                })}
            </div>
            <HeaderCartLink counts />
        </div>
    }
    .into_any()
}

/// How long "Added to your cart." stays (style/main.css fades it at the same time).
const TOAST_TIME: std::time::Duration = std::time::Duration::from_secs(6);

#[component]
fn HeaderCartLink(counts: Resource<Result<HeaderCounts, AppError>>) -> impl IntoView {
    view! {
        <a class="cart-link" href="/cart">
            "Cart"
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let count = counts.await.map(|c| c.cart).unwrap_or(0);
                    view! { <span class="island" data-island="cart" inner_html=cart_count(count)></span> }
                })}
            </Suspense>
        </a>
    }
}

/// "Help": the shopper's conversations with the shop, with how many answers
/// they have not read.
#[component]
pub fn HeaderHelp() -> impl IntoView {
    let counts = use_context::<HeaderCountsContext>();
    let live = crate::chat::follow::ChatLive::use_context();
    view! {
        <a class="help-link" href="/messages">
            "Help"
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let rendered = match counts {
                        Some(HeaderCountsContext(counts)) => counts.await.map(|c| c.messages).unwrap_or(0),
                        None => 0,
                    };
                    // Once hydrated, the live count follows new answers and reading them.
                    let unread = move || live.and_then(|live| live.unread.get()).unwrap_or(rendered);
                    view! { <span class="island" data-island="help" inner_html=move || help_count(unread())></span> }
                })}
            </Suspense>
        </a>
    }
}

/// A bell linking to the notifications, with the unread count; signed-in only.
#[component]
pub fn HeaderBell() -> impl IntoView {
    let Some(HeaderCountsContext(counts)) = use_context::<HeaderCountsContext>() else { return ().into_any() };
    let auth = AuthContext::use_context();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = match auth { Some(auth) => auth.viewer.await.ok().flatten().is_some(), None => false };
                let unread = counts.await.map(|c| c.unread).unwrap_or(0);
                view! { <span class="island" data-island="bell" inner_html=bell(signed_in, unread)></span> }
            })}
        </Suspense>
    }
    .into_any()
}

// The header's counts are set as inner HTML of their `island` spans, made by
// the functions below (as markup: they run in the browser too, when a count
// changes): hydration leaves them as the server sent them, so a page cached
// for everyone can carry one shopper's counts in place of a guest's
// (`crate::personal`), and a new count replaces the old one whole.

/// The cart link's item count.
pub fn cart_count(count: i32) -> String {
    let unit = if count == 1 { "item" } else { "items" };
    format!(
        r#"<span class="cart-count" data-count="{count}"><span class="visually-hidden">, </span>{count}<span class="visually-hidden"> {unit}</span></span>"#
    )
}

/// A count in a badge, read out as "`count` `what`".
fn badge(count: i64, what: &str) -> String {
    format!(
        r#"<span class="bell-count" data-count="{count}">{count}<span class="visually-hidden"> {what}</span></span>"#
    )
}

/// The answers from the shop not read yet, beside "Help"; nothing at none.
pub fn help_count(unread: i64) -> String {
    if unread <= 0 {
        return String::new();
    }
    format!(" {}", badge(unread, "unread answers"))
}

/// The bell and its unread count, for a signed-in person; nothing for guests.
pub fn bell(signed_in: bool, unread: i64) -> String {
    if !signed_in {
        return String::new();
    }
    let count = if unread > 0 { badge(unread, "unread") } else { String::new() };
    format!(
        r#"<a class="bell-link" href="/notifications">{}<span class="visually-hidden">Notifications</span>{count}</a>"#,
        crate::ui::icons::BELL
    )
}
