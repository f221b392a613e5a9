//! Pieces of the account feature used across pages: the header's account
//! links, the sign-in redirect, and the account area's navigation.

use leptos::prelude::*;

use super::api::{SignOut, get_viewer};
use super::{Role, Viewer};
use crate::error::AppError;

/// Who is signed in, shared by the header and pages. `version` moves on after
/// a sign-in or sign-out so `viewer` is fetched again.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    pub version: RwSignal<u32>,
}

impl AuthContext {
    /// Creates the context; called once by `App`.
    pub fn provide() -> Self {
        let version = RwSignal::new(0);
        let viewer = Resource::new(move || version.get(), |_| get_viewer());
        let context = AuthContext { viewer, version };
        provide_context(context);
        context
    }

    pub fn use_context() -> Option<Self> {
        use_context::<Self>()
    }

    /// Marks the signed-in state as changed.
    pub fn changed() {
        if let Some(context) = Self::use_context() {
            context.version.update(|v| *v += 1);
        }
    }
}

/// Account and sign-out for a signed-in visitor; sign-in and sign-up otherwise.
#[component]
pub fn HeaderAccount() -> impl IntoView {
    let Some(auth) = AuthContext::use_context() else { return ().into_any() };
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if matches!(sign_out.value().get(), Some(Ok(()))) {
            AuthContext::changed();
        }
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match auth.viewer.await.ok().flatten() {
                    Some(viewer) => view! {
                        <ul class="account-links">
                            {viewer.role.includes(Role::Moderator).then(|| view! {
                                <li><a href=if viewer.role.includes(Role::Admin) { "/admin" } else { "/admin/orders" }>"Admin"</a></li>
                            })}
                            <li><a href="/wishlist">"Wishlist"</a></li>
                            <li><a href="/account">"Account" <span class="visually-hidden">" of " {viewer.username.clone()}</span></a></li>
                            <li>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </ActionForm>
                            </li>
                        </ul>
                    }.into_any(),
                    None => view! {
                        <ul class="account-links">
                            <li><a href="/sign-in">"Sign in"</a></li>
                            <li><a href="/sign-up">"Create account"</a></li>
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The account area's sections.
#[component]
pub fn AccountNav(current: &'static str) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str| {
        view! {
            <li>
                <a href=href aria-current=(current == href).then_some("page")>{label}</a>
            </li>
        }
    };
    view! {
        <nav class="account-nav" aria-label="Account">
            <ul>
                {link("/account", "Profile")}
                {link("/account/addresses", "Addresses")}
                {link("/account/security", "Password and sessions")}
                {link("/orders", "Orders")}
            </ul>
        </nav>
    }
}
