//! The heart on cards and product pages. Every heart on a page shares one
//! action (made once with the app); its answers are kept in one map, so a
//! card that was pressed shows its new state without refetching the page.

use std::collections::HashMap;

use leptos::prelude::*;

use super::Saved;
use super::api::{ToggleWishlist, get_saved};
use crate::account::components::AuthContext;
use crate::error::AppError;
use crate::product::ProductId;
use crate::ui::CardForm;

#[derive(Clone, Copy)]
pub struct WishlistContext {
    pub toggle: ServerAction<ToggleWishlist>,
    /// Product id → on the wishlist, for products pressed on this page.
    pub pressed: RwSignal<HashMap<i64, bool>>,
    /// What was on the wishlist when the page was made (fetched again on
    /// signing in or out). Pages that show hearts wait for it.
    pub saved: Resource<Result<Saved, AppError>>,
}

impl WishlistContext {
    /// Creates the context; called once by `App`.
    pub fn provide(auth: AuthContext) -> Self {
        let toggle = crate::flash::action::<ToggleWishlist>();
        let pressed = RwSignal::new(HashMap::new());
        Effect::new(move |_| {
            if let Some(Ok(state)) = toggle.value().get() {
                pressed.update(|map| {
                    map.insert(state.product, state.wished);
                });
            }
        });
        let saved = Resource::new(move || auth.version.get(), |_| get_saved());
        let context = WishlistContext { toggle, pressed, saved };
        provide_context(context);
        context
    }

    /// The products on the viewer's wishlist (none if it cannot be read:
    /// the hearts then start empty, and pressing one still works). The page
    /// takes the context before its `Suspense`, like other contexts.
    pub async fn saved(context: Option<Self>) -> Saved {
        match context {
            Some(context) => context.saved.await.unwrap_or_default(),
            None => Saved::default(),
        }
    }
}

/// A toggle button: pressed when the product is on the wishlist. Before
/// hydration it is a plain form post that comes back to the page.
#[component]
pub fn WishlistButton(product: ProductId, name: String, slug: String, wished: bool) -> impl IntoView {
    let Some(context) = use_context::<WishlistContext>() else { return ().into_any() };
    let id = product.0;
    // `try_with`: a render whose client went away may still be settling
    // after its reactive owner (and this signal) was disposed.
    let on = move || context.pressed.try_with(|map| map.get(&id).copied()).flatten().unwrap_or(wished);
    view! {
        <CardForm action=context.toggle class="wish-form">
            <input type="hidden" name="product" value=id.to_string() />
            <input type="hidden" name="slug" value=slug />
            <button type="submit" class="heart" aria-pressed=move || if on() { "true" } else { "false" }>
                <crate::ui::icons::HeartIcon filled=Signal::derive(on) />
                <span class="visually-hidden">{format!("Save {name}")}</span>
            </button>
        </CardForm>
    }
    .into_any()
}
