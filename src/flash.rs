//! What a plain form post leaves for the page it returns to.
//!
//! Before JavaScript runs (or without it), a form posts to its server
//! function and the browser is sent back to the page it came from. Leptos
//! would put the outcome in that page's address (`?__path=…&__err=<base64>`):
//! ugly, kept in the history, and a way for anyone to make the store show
//! text of their choosing in a link. Trove carries it in a short-lived cookie
//! instead (`carry`), which only the store can set: the next page shows the
//! form's error beside its fields, or its confirmation ("Added to your
//! cart."), then the cookie goes. Addresses never carry an outcome.
//!
//! The page hands the outcome to the browser in `<html data-flash>`, so the
//! hydrated page shows what the server rendered; the first navigation after
//! that forgets it.

use std::sync::{Arc, RwLock};

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The cookie (and its name's prefix keeps the page out of the shared cache).
pub const COOKIE: &str = "trove_flash";

/// One form's outcome: which server function, and its answer's body (the
/// output, or the `AppError`, as JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub path: String,
    pub failed: bool,
    pub body: Vec<u8>,
}

impl Outcome {
    /// The cookie value: `ok|/api/cart/add|<base64 of the body>`.
    pub fn encode(&self) -> String {
        use base64::Engine;
        let kind = if self.failed { "err" } else { "ok" };
        format!("{kind}|{}|{}", self.path, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.body))
    }

    pub fn decode(value: &str) -> Option<Self> {
        use base64::Engine;
        let mut parts = value.splitn(3, '|');
        let failed = match parts.next()? {
            "ok" => false,
            "err" => true,
            _ => return None,
        };
        let path = parts.next()?;
        if !path.starts_with("/api/") {
            return None;
        }
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        Some(Outcome { path: path.to_owned(), failed, body })
    }

    /// The outcome as `S`'s action holds it, if it is `S`'s.
    fn result_for<S>(&self) -> Option<Result<S::Output, AppError>>
    where
        S: ServerFn,
        S::Output: DeserializeOwned,
    {
        if self.path != S::PATH {
            return None;
        }
        Some(if self.failed {
            Err(serde_json::from_slice(&self.body).unwrap_or(AppError::Internal))
        } else {
            Ok(serde_json::from_slice(&self.body).ok()?)
        })
    }
}

/// The outcome the page being rendered (or hydrated) shows, until the
/// shopper moves on.
#[derive(Clone, Default)]
pub struct Flash(Arc<RwLock<Option<Outcome>>>);

impl Flash {
    /// In the browser, provides the outcome the server wrote on `<html>`
    /// (on the server, `startup::router` provides it from the request).
    pub fn provide() {
        #[cfg(not(feature = "ssr"))]
        {
            let outcome = document()
                .document_element()
                .and_then(|html| html.get_attribute("data-flash"))
                .and_then(|value| Outcome::decode(&value));
            provide_context(Flash(Arc::new(RwLock::new(outcome))));
        }
    }

    /// Provides the outcome the request's cookie carries to its render.
    #[cfg(feature = "ssr")]
    pub fn provide_for_request() {
        let outcome = use_context::<axum::http::request::Parts>().and_then(|parts| server::from_cookie(&parts.headers));
        provide_context(Flash(Arc::new(RwLock::new(outcome))));
    }

    /// What the shell writes on `<html data-flash>`.
    pub fn attribute() -> Option<String> {
        let flash = use_context::<Flash>()?;
        let outcome = flash.0.read().ok()?;
        outcome.as_ref().map(Outcome::encode)
    }

    /// Forgets the outcome (the shopper went to another page).
    pub fn forget() {
        if let Some(flash) = use_context::<Flash>()
            && let Ok(mut outcome) = flash.0.write()
        {
            *outcome = None;
        }
    }
}

/// A server function's action, holding the outcome of its plain form post
/// when the page is the one that post returned to.
pub fn action<S>() -> ServerAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    let action = ServerAction::<S>::new();
    let result = use_context::<Flash>()
        .and_then(|flash| flash.0.read().ok().and_then(|outcome| outcome.as_ref()?.result_for::<S>()));
    if let Some(result) = result {
        action.value().set(Some(result));
    }
    action
}

/// Forgets the outcome on the first navigation after the page it was for.
#[component]
pub fn ForgetOnNavigation() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |seen: Option<()>| {
        location.pathname.track();
        location.search.track();
        if seen.is_some() {
            Flash::forget();
        }
    });
}

#[cfg(feature = "ssr")]
pub use server::carry;

#[cfg(feature = "ssr")]
mod server {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
    use axum::middleware::Next;
    use axum::response::{IntoResponse, Redirect, Response};

    use super::{COOKIE, Outcome};
    use crate::state::AppState;

    /// An answer larger than this is not carried (a cookie holds about 4 KB).
    const MAX_BODY: usize = 2048;
    /// How long the outcome waits for the page it is for.
    const MAX_AGE_SECONDS: u32 = 60;

    /// The outcome the request's cookie carries.
    pub(super) fn from_cookie(headers: &HeaderMap) -> Option<Outcome> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
            .and_then(Outcome::decode)
    }

    /// Middleware: a plain form post's redirect back to the form takes its
    /// outcome into the cookie and goes to the clean address; the page it
    /// lands on clears the cookie; an address carrying Leptos's error
    /// parameters (which no form of ours makes now) is sent to the same
    /// address without them, so no link can make a page show its text.
    pub async fn carry(State(state): State<AppState>, request: Request, next: Next) -> Response {
        let secure = state.config.secure_cookies();
        let path = request.uri().path().to_owned();
        if request.method() == Method::POST && path.starts_with("/api/") && accepts_html(request.headers()) {
            let response = next.run(request).await;
            return into_cookie(response, path, secure).await;
        }
        if request.method() != Method::GET {
            return next.run(request).await;
        }
        if let Some(clean) = without_outcome(request.uri()) {
            return Redirect::to(&clean).into_response();
        }
        let carried = from_cookie(request.headers()).is_some();
        let mut response = next.run(request).await;
        let page = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if carried && page {
            response.headers_mut().append(header::SET_COOKIE, cookie("", 0, secure));
        }
        response
    }

    fn accepts_html(headers: &HeaderMap) -> bool {
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    }

    fn cookie(value: &str, max_age: u32, secure: bool) -> HeaderValue {
        let secure = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
            .expect("a flash cookie is plain ASCII")
    }

    /// The redirect with a clean `Location` and the outcome in the cookie.
    async fn into_cookie(response: Response, path: String, secure: bool) -> Response {
        let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
            return response;
        };
        if !response.status().is_redirection() {
            return response;
        }
        let failed = location.split(['?', '&']).any(|pair| pair.starts_with("__err="));
        let clean = clean_location(location);
        let (mut parts, body) = response.into_parts();
        let body = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => Some(body),
            // Too large to carry: the page shows no confirmation.
            Err(_) if !failed => None,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&clean) {
            parts.headers.insert(header::LOCATION, value);
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_TYPE);
        if let Some(body) = body {
            let outcome = Outcome { path, failed, body: body.to_vec() };
            parts.headers.append(header::SET_COOKIE, cookie(&outcome.encode(), MAX_AGE_SECONDS, secure));
        }
        // 303: the browser fetches the page with GET whatever posted.
        parts.status = StatusCode::SEE_OTHER;
        Response::from_parts(parts, Body::empty())
    }

    /// `location` without `__path`/`__err` and without a bare trailing `?`.
    pub(super) fn clean_location(location: &str) -> String {
        let (base, query) = location.split_once('?').unwrap_or((location, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("__err=") && !pair.starts_with("__path="))
            .collect();
        if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
    }

    /// The address without Leptos's outcome parameters, if it has any.
    fn without_outcome(uri: &axum::http::Uri) -> Option<String> {
        let query = uri.query()?;
        let carries = query.split('&').any(|p| p.starts_with("__err=") || p.starts_with("__path="));
        carries.then(|| clean_location(&uri.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_survive_the_cookie() {
        let outcome = Outcome { path: "/api/cart/add".into(), failed: false, body: b"3".to_vec() };
        assert_eq!(Outcome::decode(&outcome.encode()), Some(outcome));
        assert_eq!(Outcome::decode("ok|https://evil.example/|AA"), None);
        assert_eq!(Outcome::decode("maybe|/api/x|AA"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn locations_lose_the_outcome_and_a_bare_question_mark() {
        use server::clean_location;
        assert_eq!(clean_location("http://shop/p/cucumber?"), "http://shop/p/cucumber");
        assert_eq!(clean_location("/cart?__path=%2Fapi%2Fcart%2Fupdate&__err=eyJ9"), "/cart");
        assert_eq!(clean_location("/products?page=2&__err=x&sort=new"), "/products?page=2&sort=new");
    }
}
