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

    /// `Unauthorized` when the page already knows nobody is signed in, so a
    /// signed-in page's resource sends the visitor to sign in without first
    /// asking the server (whose 401 the browser would log as a failed request).
    pub async fn known_signed_in(auth: Option<Self>) -> Result<(), AppError> {
        match auth {
            Some(auth) if matches!(auth.viewer.await, Ok(None)) => Err(AppError::Unauthorized),
            _ => Ok(()),
        }
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
    let sign_out = crate::flash::action::<SignOut>();
    let location = leptos_router::hooks::use_location();
    let here: Here = (location.pathname, location.search, location.query);
    Effect::new(move |_| {
        if matches!(sign_out.value().get(), Some(Ok(()))) {
            AuthContext::changed();
        }
    });
    let admin = Memo::new(move |_| in_admin(&here.0.get()));
    view! {
        <Suspense>
            {move || {
            let admin = admin.get();
            Suspend::new(async move {
                match auth.viewer.await.ok().flatten() {
                    Some(viewer) if admin => view! {
                        <ul class="account-links">
                            <li class="signed-in-as">"Signed in as " <strong>{viewer.username.clone()}</strong>
                                {format!(" ({})", viewer.role.label())}</li>
                            <li><a href="/account">"Account"</a></li>
                            <SignOutItem sign_out />
                        </ul>
                    }.into_any(),
                    Some(viewer) => view! {
                        <ul class="account-links">
                            {viewer.role.includes(Role::Moderator).then(|| view! {
                                <li><a href=if viewer.role.includes(Role::Admin) { "/admin" } else { "/admin/orders" }>"Admin"</a></li>
                            })}
                            <li><a href="/wishlist">"Wishlist"</a></li>
                            <li><a href="/account">"Account" <span class="visually-hidden">" of " {viewer.username.clone()}</span></a></li>
                            <SignOutItem sign_out />
                        </ul>
                    }.into_any(),
                    None => view! {
                        <ul class="account-links">
                            <li><a href=move || back_here("/sign-in", &here)>"Sign in"</a></li>
                            <li><a href=move || back_here("/sign-up", &here)>"Create account"</a></li>
                        </ul>
                    }.into_any(),
                }
            })
            }}
        </Suspense>
    }
    .into_any()
}

/// The header's "Sign out" button.
#[component]
fn SignOutItem(sign_out: ServerAction<SignOut>) -> impl IntoView {
    view! {
        <li>
            <ActionForm action=sign_out>
                <button type="submit" class="link-button">"Sign out"</button>
            </ActionForm>
        </li>
    }
}

/// `to` (sign-in or sign-up) with a `next` that brings the shopper back to
/// the page they are on; on the sign-in and sign-up pages themselves, the
/// `next` those pages were given.
fn back_here(to: &str, location: &Here) -> String {
    let (path, search) = (location.0.get(), location.1.get());
    let here = if path == "/sign-in" || path == "/sign-up" {
        location.2.with(|q| q.get("next"))
    } else if search.is_empty() {
        Some(path)
    } else {
        Some(format!("{path}?{search}"))
    };
    match here {
        Some(next) => format!("{to}?next={}", crate::ui::encode_component(&next)),
        None => to.to_owned(),
    }
}

/// Whether `path` is in the admin area (which has a header of its own).
pub fn in_admin(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// The page's path, query string and query.
type Here = (Memo<String>, Memo<String>, Memo<leptos_router::params::ParamsMap>);

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
                {link("/account/tokens", "API tokens")}
            </ul>
        </nav>
    }
}
