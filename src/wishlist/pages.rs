//! The wishlist page (a lazy route): saved products, each moved to the cart
//! or removed.

use crate::account::components::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{MoveToCart, RemoveFromWishlist, get_wishlist};
use crate::cart::components::CartContext;
use crate::money::use_currency;
use crate::product::components::StockBadge;
use crate::ui::{action_error, loaded, on_success};

#[component]
pub fn WishlistPage() -> impl IntoView {
    let move_to_cart = crate::flash::action::<MoveToCart>();
    let remove = crate::flash::action::<RemoveFromWishlist>();
    on_success(move_to_cart.value(), CartContext::changed);
    let auth = AuthContext::use_context();
    let list = Resource::new(
        move || (move_to_cart.version().get(), remove.version().get()),
        move |_| async move {
            AuthContext::known_signed_in(auth).await?;
            get_wishlist().await
        },
    );
    let error = action_error(move_to_cart.value());
    let moved = move || matches!(move_to_cart.value().get(), Some(Ok(_)));
    view! {
        <Title text="Your wishlist" />
        <section class="wishlist-page">
            <h1>"Your wishlist"</h1>
            <div role="status" aria-live="polite">
                {move || moved().then(|| view! { <p class="alert alert-success">"Moved to your cart."</p> })}
                {move || error.get().map(|e| view! { <p class="alert alert-error">{e.to_string()}</p> })}
            </div>
            {loaded(list, move |w| {
                if w.products.is_empty() {
                    return view! { <p>"Your wishlist is empty. Press the heart on a product to keep it here."</p> }.into_any();
                }
                let currency = use_currency();
                view! {
                    <ul class="wishlist" aria-label="Saved products">
                        {w.products.into_iter().map(|p| {
                            let remove_label = format!(" {}", p.name);
                            view! {
                            <li class="wishlist-item" aria-label=p.name.clone()>
                                {p.image.clone().map(|i| view! { <img src=i.url_at(192) alt="" width="96" height="96" /> })}
                                <div>
                                    <a href=p.href()>{p.name.clone()}</a>
                                    <p>{currency.format(p.offer_price.unwrap_or(p.price))}</p>
                                    <StockBadge stock=p.stock />
                                </div>
                                <ActionForm action=move_to_cart>
                                    <input type="hidden" name="product" value=p.id.0.to_string() />
                                    <button type="submit" class="button" disabled=p.stock == 0>"Move to cart"</button>
                                </ActionForm>
                                <ActionForm action=remove>
                                    <input type="hidden" name="product" value=p.id.0.to_string() />
                                    <button type="submit" class="link-button">"Remove" <span class="visually-hidden">{remove_label}</span></button>
                                </ActionForm>
                            </li>
                        }}).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

crate::ui::lazy_page!(WishlistRoute, WishlistPage);
