//! Pieces of the account feature used across pages: the header's account
//! links, the sign-in redirect, and the account area's navigation.

use leptos::prelude::*;

use leptos::server_fn::ServerFn;

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
/// The links are set as the list's inner HTML (`account_links`): hydration
/// leaves them as the server sent them, so a page cached for everyone can
/// carry one shopper's links in their place (`crate::personal`).
#[component]
pub fn HeaderAccount() -> impl IntoView {
    let Some(auth) = AuthContext::use_context() else { return ().into_any() };
    let location = leptos_router::hooks::use_location();
    let here: Here = (location.pathname, location.search, location.query);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let viewer = auth.viewer.await.ok().flatten();
                let links = move || {
                    let admin = here.0.with(|path| in_admin(path));
                    account_links(viewer.as_ref(), admin, back_to(&here).as_deref())
                };
                view! { <ul class="account-links" data-island="account" inner_html=links></ul> }
            })}
        </Suspense>
    }
    .into_any()
}

/// The header's account links, as markup (they are the list's inner HTML):
/// who is signed in and sign-out in the admin area; the admin area (for
/// staff), the wishlist, the account and sign-out in the shop; sign-in and
/// sign-up, coming back to `next`, for guests. Sign-out is a plain form post,
/// which comes back signed out.
pub fn account_links(viewer: Option<&Viewer>, admin: bool, next: Option<&str>) -> String {
    use crate::ui::escape_html;
    let sign_out = format!(
        r#"<li><form action="{}" method="post"><button type="submit" class="link-button">Sign out</button></form></li>"#,
        SignOut::url()
    );
    match viewer {
        Some(viewer) if admin => format!(
            r#"<li class="signed-in-as">Signed in as <strong>{}</strong> ({})</li><li><a href="/account">Account</a></li>{sign_out}"#,
            escape_html(&viewer.username),
            viewer.role.label()
        ),
        Some(viewer) => {
            let staff = match viewer.role {
                role if role.includes(Role::Admin) => r#"<li><a href="/admin">Admin</a></li>"#,
                role if role.includes(Role::Moderator) => r#"<li><a href="/admin/orders">Admin</a></li>"#,
                _ => "",
            };
            format!(
                r#"{staff}<li><a href="/wishlist">Wishlist</a></li><li><a href="/account">Account<span class="visually-hidden"> of {}</span></a></li>{sign_out}"#,
                escape_html(&viewer.username)
            )
        }
        None => {
            let query = next.map(|next| format!("?next={}", crate::ui::encode_component(next))).unwrap_or_default();
            format!(
                r#"<li><a href="/sign-in{query}">Sign in</a></li><li><a href="/sign-up{query}">Create account</a></li>"#
            )
        }
    }
}

/// Where signing in or up brings the shopper back to: the page they are on;
/// on the sign-in and sign-up pages themselves, the `next` those pages were
/// given.
fn back_to(location: &Here) -> Option<String> {
    let (path, search) = (location.0.get(), location.1.get());
    if path == "/sign-in" || path == "/sign-up" {
        location.2.with(|q| q.get("next"))
    } else if search.is_empty() {
        Some(path)
    } else {
        Some(format!("{path}?{search}"))
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
