//! The cart pieces other pages use: the header's cart link and add-to-cart forms.

use leptos::prelude::*;

use super::api::{AddToCart, cart_count};
use crate::catalog::ProductId;
use crate::error::AppError;

/// The cart count every page's header shows; `version` moves on after any cart
/// change. `add` is the one add-to-cart action every form on a page shares:
/// a listing renders dozens of forms, and one action (made once, with the app)
/// keeps each of them cheap to render.
#[derive(Clone, Copy)]
pub struct CartContext {
    pub count: Resource<Result<i32, AppError>>,
    pub version: RwSignal<u32>,
    pub add: ServerAction<AddToCart>,
}

impl CartContext {
    /// Creates the context; called once by `App`.
    pub fn provide(auth: crate::account::components::AuthContext) -> Self {
        let version = RwSignal::new(0);
        // Signing in merges a guest cart: count again then too.
        let count = Resource::new(move || (version.get(), auth.version.get()), |_| cart_count());
        let add = ServerAction::<AddToCart>::new();
        let context = CartContext { count, version, add };
        provide_context(context);
        refresh_cart_on_success(add.value());
        context
    }

    /// Marks the cart as changed, so the header counts again.
    pub fn changed() {
        if let Some(context) = use_context::<Self>() {
            context.version.update(|v| *v += 1);
        }
    }
}

/// Runs `CartContext::changed` whenever an action succeeds.
pub fn refresh_cart_on_success<T, S>(value: S)
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            CartContext::changed();
        }
    });
}

/// The header's link to the cart, with how many items it holds.
#[component]
pub fn HeaderCart() -> impl IntoView {
    let Some(cart) = use_context::<CartContext>() else { return ().into_any() };
    view! {
        <a class="cart-link" href="/cart">
            "Cart"
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let count = cart.count.await.unwrap_or(0);
                    view! {
                        <span class="cart-count" data-count=count.to_string()>
                            <span class="visually-hidden">", "</span>
                            {count.to_string()}
                            <span class="visually-hidden">{if count == 1 { " item" } else { " items" }}</span>
                        </span>
                    }
                })}
            </Suspense>
        </a>
    }
    .into_any()
}

/// An "Add to cart" form; with `choose_quantity`, a quantity field too. It is a
/// plain form post before hydration and updates the header in place after.
#[component]
pub fn AddToCartForm(product: ProductId, name: String, #[prop(optional)] choose_quantity: bool, stock: i32) -> impl IntoView {
    let Some(CartContext { add, .. }) = use_context::<CartContext>() else { return ().into_any() };
    // On a page of many forms, each shows only what its own submit answered.
    // `try_get`: a render still running when its request has gone (the client
    // hung up) reads nothing rather than panicking.
    let (input, value) = (add.input(), add.value());
    let mine = move || input.try_get().flatten().is_none_or(|input| input.product == product.0);
    let message = move || match value.try_get().flatten() {
        Some(Ok(_)) if mine() => Some(("alert alert-success", "Added to your cart.".to_owned())),
        Some(Err(error)) if mine() && (choose_quantity || input.try_get().flatten().is_some()) => {
            Some(("alert alert-error", error.message_for("quantity").unwrap_or_else(|| error.to_string())))
        }
        _ => None,
    };
    // The quantity has no `max`: the browser would refuse a larger number with
    // its own message, where the server's names how many are left.
    let quantity_id = format!("quantity-{}", product.0);
    view! {
        <ActionForm action=add attr:class="add-to-cart">
            <input type="hidden" name="product" value=product.0.to_string() />
            {choose_quantity.then(|| view! {
                <label for=quantity_id.clone()>"Quantity"</label>
                <input id=quantity_id.clone() name="quantity" type="number" min="1" value="1" class="quantity-input" data-stock=stock.to_string() />
            })}
            <button type="submit" class="button" disabled=stock <= 0>
                {if stock <= 0 { "Sold out" } else { "Add to cart" }}
                <span class="visually-hidden">{format!(": {name}")}</span>
            </button>
            <div role="status" aria-live="polite" class="add-to-cart-status">
                {move || message().map(|(class, text)| view! { <p class=class>{text}</p> })}
            </div>
        </ActionForm>
    }
    .into_any()
}
