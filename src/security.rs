//! Request protection: rate limits kept in Postgres (shared by every app
//! instance), the same-origin check for state-changing requests, security
//! headers, and the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;

use crate::error::AppError;
use crate::state::AppState;

/// A fixed-window limit: at most `max` hits per `window_secs` per subject.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: i32,
    pub window_secs: i32,
}

/// Failed sign-ins every 15 minutes: per account from one client address (the
/// limit a guesser meets), per client address across accounts, and a softer
/// account-wide limit that takes many addresses to reach, so that a stranger
/// cannot lock a person out of their own account from one address.
pub const SIGN_IN_PER_ACCOUNT_CLIENT: Limit = Limit { name: "sign-in:account-client", max: 10, window_secs: 900 };
pub const SIGN_IN_PER_CLIENT: Limit = Limit { name: "sign-in:client", max: 50, window_secs: 900 };
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit { name: "sign-in:account", max: 100, window_secs: 900 };
/// Accounts created per client address every hour: each costs a password
/// hash, and a flood of them is how names and addresses are probed.
pub const SIGN_UP_PER_CLIENT: Limit = Limit { name: "sign-up:client", max: 30, window_secs: 3600 };
/// Guest carts made per client address every hour (each is a row kept for a
/// month): browsers keep theirs in a cookie and need one.
pub const GUEST_CARTS_PER_CLIENT: Limit = Limit { name: "guest-cart:client", max: 200, window_secs: 3600 };
/// Password-reset requests per account and per client address, every hour.
pub const RESET_PER_ACCOUNT: Limit = Limit { name: "reset:account", max: 3, window_secs: 3600 };
pub const RESET_PER_CLIENT: Limit = Limit { name: "reset:client", max: 20, window_secs: 3600 };

impl Limit {
    pub(crate) fn key(&self, subject: &str) -> String {
        format!("{}:{}", self.name, subject.to_lowercase())
    }

    pub(crate) fn refused(&self) -> AppError {
        let minutes = (self.window_secs + 59) / 60;
        AppError::TooManyRequests(format!("Too many attempts. Please wait {minutes} minutes and try again."))
    }

    /// Counts one hit against `subject` in the current window; the new total.
    pub async fn hit(&self, pool: &PgPool, subject: &str) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar!(
            "INSERT INTO rate_limits (key, window_start, hits)
             VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
             RETURNING hits",
            self.key(subject),
            rust_decimal::Decimal::from(self.window_secs)
        )
        .fetch_one(pool)
        .await
    }

    /// Hits so far in the current window.
    pub async fn count(&self, pool: &PgPool, subject: &str) -> Result<i32, sqlx::Error> {
        let hits = sqlx::query_scalar!(
            "SELECT hits FROM rate_limits
             WHERE key = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)",
            self.key(subject),
            rust_decimal::Decimal::from(self.window_secs)
        )
        .fetch_optional(pool)
        .await?;
        Ok(hits.unwrap_or(0))
    }

    /// Counts this attempt, then refuses it if it goes over the limit. Counting
    /// first makes it atomic: of many parallel attempts, only `max` pass.
    pub async fn take(&self, pool: &PgPool, subject: &str) -> Result<(), AppError> {
        if self.hit(pool, subject).await? > self.max { Err(self.refused()) } else { Ok(()) }
    }

    /// Uncounts an attempt taken in the current window (it succeeded).
    pub async fn give_back(&self, pool: &PgPool, subject: &str) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE rate_limits SET hits = hits - 1
             WHERE key = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AND hits > 0",
            self.key(subject),
            rust_decimal::Decimal::from(self.window_secs)
        )
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// A password check's place under the sign-in limits: taken before the
/// password is checked (so parallel guesses cannot exceed a limit) and given
/// back when the password was right, so only failures count.
pub struct PasswordAttempt {
    taken: [(Limit, String); 3],
}

impl PasswordAttempt {
    /// Takes the attempt against `account` (an account id, or the login typed
    /// when there is no such account) from `client`, or refuses it.
    pub async fn take(pool: &PgPool, account: &str, client: &str) -> Result<Self, AppError> {
        let taken = [
            (SIGN_IN_PER_CLIENT, client.to_owned()),
            (SIGN_IN_PER_ACCOUNT_CLIENT, format!("{account} from {client}")),
            (SIGN_IN_PER_ACCOUNT, account.to_owned()),
        ];
        for (limit, subject) in &taken {
            limit.take(pool, subject).await?;
        }
        Ok(PasswordAttempt { taken })
    }

    /// The password was right: the attempt does not count.
    pub async fn succeeded(self, pool: &PgPool) -> Result<(), sqlx::Error> {
        for (limit, subject) in &self.taken {
            limit.give_back(pool, subject).await?;
        }
        Ok(())
    }
}

/// The client's address, as rate limits count it: the connection's peer, or
/// behind a trusted proxy the address the proxy appended to
/// `X-Forwarded-For` (the last value of the last such header: whatever the
/// client sent itself comes before it). An IPv6 address counts by its /64,
/// the block one subscriber is given.
pub fn client_address(request: &Request, trust_proxy: bool) -> String {
    let forwarded = trust_proxy
        .then(|| request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back())
        .flatten()
        .and_then(|line| line.rsplit(',').next())
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let peer = || request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    match forwarded {
        Some(text) => match text.parse::<std::net::IpAddr>() {
            Ok(ip) => bucket(ip),
            Err(_) => text.to_owned(),
        },
        None => peer().map_or_else(|| "unknown".to_owned(), bucket),
    }
}

/// The rate-limit bucket of an address: itself for IPv4, its /64 for IPv6.
fn bucket(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Whether an `Origin` header names this store: the configured public URL,
/// or the host the request was sent to.
pub fn same_origin(origin: &str, host: Option<&str>, public_url: &str) -> bool {
    if origin == public_url {
        return true;
    }
    let origin_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Middleware: refuses state-changing requests sent from another site, on top
/// of SameSite cookies. Requests with no `Origin` (API clients, old browsers)
/// pass unless the browser says they are cross-site.
pub async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
    if safe || request.uri().path().starts_with("/webhooks/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let allowed = match headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("null")) {
        Some(origin) => same_origin(origin, host, &state.config.public_url),
        None => headers.get("sec-fetch-site").is_none_or(|site| site != "cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "refused a cross-origin write");
        (StatusCode::FORBIDDEN, axum::Json(AppError::BadRequest("Requests from other sites are not accepted.".into())))
            .into_response()
    }
}

/// The Content-Security-Policy of a page rendered with `nonce`: scripts only
/// from this origin or carrying the nonce (Leptos's hydration scripts do),
/// WebAssembly allowed, no framing.
///
/// With card payments configured, Stripe.js may load from its origin, talk to
/// the Stripe API and show its card and 3-D Secure frames.
pub fn page_csp(nonce: &str, stripe: Option<&crate::config::StripeConfig>) -> String {
    let (script, connect, frame) = match stripe {
        Some(stripe) => {
            let js = stripe.js_origin();
            let api = stripe.api_origin();
            (format!(" {js}"), format!(" {api}"), format!("frame-src {js} https://hooks.stripe.com; "))
        }
        None => Default::default(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{script}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{connect}; {frame}font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page policy on the response being rendered, with its nonce.
pub fn set_page_policy() {
    let nonce = leptos::nonce::use_nonce();
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    if let (Some(nonce), Some(response)) = (nonce, response) {
        let state = leptos::prelude::use_context::<crate::state::AppState>();
        let stripe = state.as_ref().and_then(|s| s.config.stripe.as_ref());
        if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce, stripe)) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// For responses that are not pages (JSON, files): nothing may run or embed them.
pub const DEFAULT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'";

/// Headers every response carries, set unless a handler chose its own.
pub fn static_headers(public_url: &str) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut headers = vec![
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEFAULT_CSP)),
    ];
    // Served over https: browsers are told never to use plain http for it again.
    if public_url.starts_with("https://") {
        headers.push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000")));
    }
    headers
}

/// Paths whose pages are one person's own: never stored by a browser's or a
/// proxy's cache (a shared computer's back button, a company proxy).
pub fn private_path(path: &str) -> bool {
    ["/account", "/admin", "/cart", "/checkout", "/orders", "/notifications", "/wishlist", "/messages", "/api/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(forwarded: &[&str], peer: &str) -> Request {
        let mut request = Request::builder();
        for line in forwarded {
            request = request.header("x-forwarded-for", *line);
        }
        let mut request = request.body(axum::body::Body::empty()).unwrap();
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    }

    #[test]
    fn the_client_is_what_the_trusted_proxy_appended_last() {
        let spoofed = request(&["6.6.6.6", "1.2.3.4, 203.0.113.9"], "10.0.0.1:5000");
        assert_eq!(client_address(&spoofed, true), "203.0.113.9", "the last value of the last line");
        assert_eq!(client_address(&spoofed, false), "10.0.0.1", "no proxy trusted: the peer");
        let direct = request(&[], "10.0.0.1:5000");
        assert_eq!(client_address(&direct, true), "10.0.0.1");
    }

    #[test]
    fn ipv6_clients_count_by_their_64_block() {
        let a = request(&[], "[2001:db8:1:2:aaaa::1]:5000");
        let b = request(&["2001:db8:1:2:bbbb::9"], "10.0.0.1:5000");
        assert_eq!(client_address(&a, false), "2001:db8:1:2::/64");
        assert_eq!(client_address(&b, true), "2001:db8:1:2::/64");
        let mapped = request(&[], "[::ffff:192.0.2.7]:5000");
        assert_eq!(client_address(&mapped, false), "192.0.2.7");
    }

    #[test]
    fn origins_match_the_public_url_or_the_requested_host() {
        assert!(same_origin("https://shop.example.com", None, "https://shop.example.com"));
        assert!(same_origin("http://127.0.0.1:3100", Some("127.0.0.1:3100"), "http://127.0.0.1:3000"));
        assert!(!same_origin("https://evil.example", Some("shop.example.com"), "https://shop.example.com"));
        assert!(!same_origin("null", Some("shop.example.com"), "https://shop.example.com"));
    }

    #[test]
    fn the_page_policy_admits_only_nonced_inline_scripts() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
