//! Sessions: a tower-sessions store in Postgres, and the middleware that puts
//! the signed-in user on every request, renewing an expired session from the
//! refresh-token cookie.
//!
//! The server session is short-lived (an hour). Signing in also sets a
//! refresh cookie that lasts 30 days from its last use; when the session has
//! gone, the cookie opens a new one and is rotated. Every request checks that
//! the session's token is still live, so a revoked sign-in stops working at once.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::use_context;
use sqlx::PgPool;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use uuid::Uuid;

use crate::account::Viewer;
use crate::account::db::{self, REFRESH_TOKEN_DAYS, Rotation};
use crate::account::tokens::{self, NewToken};
use crate::error::AppError;
use crate::personal::ShopPage;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "trove_session";
pub const REFRESH_COOKIE: &str = "trove_refresh";
/// A guest's cart id; sign-in merges that cart into the user's own.
pub const CART_COOKIE: &str = "trove_cart";
/// Session key: the guest cart this browser carried when it signed in, which
/// the cart merges into the account's on its next read.
const CARRIED_CART: &str = "carried_cart";
const CART_COOKIE_DAYS: i64 = 30;
const USER_ID: &str = "user_id";
const TOKEN_ID: &str = "refresh_token_id";

/// Sessions stored in the `sessions` table.
#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        PgSessionStore { pool }
    }
}

/// What a store error's message begins with when the database could not be
/// reached, so the request is answered 503 (try again), not 500.
pub const UNREACHABLE: &str = "database unreachable: ";

fn backend(error: sqlx::Error) -> session_store::Error {
    if crate::db::unreachable(&error) {
        return session_store::Error::Backend(format!("{UNREACHABLE}{error}"));
    }
    session_store::Error::Backend(error.to_string())
}

/// A record as its row: id, data, expiry.
fn row(record: &Record) -> session_store::Result<(String, serde_json::Value, chrono::DateTime<chrono::Utc>)> {
    let data = serde_json::to_value(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires = chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_default();
    Ok((record.id.to_string(), data, expires))
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A 128-bit random id practically never collides; if it does, draw again.
        loop {
            let (id, data, expires) = row(record)?;
            let inserted = sqlx::query!(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                id,
                data,
                expires
            )
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, data, expires) = row(record)?;
        sqlx::query!(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
            id,
            data,
            expires
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query!(
            r#"SELECT data, extract(epoch FROM expires_at)::bigint AS "expires!" FROM sessions
               WHERE id = $1 AND expires_at > now()"#,
            id.to_string()
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_value(row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("DELETE FROM sessions WHERE id = $1", id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
pub fn layer(pool: PgPool, secure: bool) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(PgSessionStore::new(pool))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(1)))
}

/// The signed-in state of one request, and the cookie it should send back.
/// Put on every request by [`authenticate`]; server functions reach it with
/// [`Auth::current`].
#[derive(Clone)]
pub struct Auth {
    inner: Arc<AuthInner>,
}

struct AuthInner {
    session: Session,
    signed_in: Mutex<Option<SignedIn>>,
    /// The page every visitor shares this request is for, if it is one:
    /// resolving who is signed in then reads their parts of it in the same
    /// statement.
    wants_parts: Option<ShopPage>,
    parts: Mutex<Option<db::PageParts>>,
    set_cookie: Mutex<Vec<(&'static str, HeaderValue)>>,
    guest_cart: Mutex<Option<Uuid>>,
    user_agent: String,
    client: String,
    secure: bool,
}

/// A signed-in user and the refresh token their session rides on.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub viewer: Viewer,
    pub token_id: Uuid,
}

impl Auth {
    /// The auth state of the request being handled.
    pub fn current() -> Result<Auth, AppError> {
        // No request at all: a page whose client went away is still settling
        // its resources after its owner was dropped. Nobody will see this.
        let Some(parts) = use_context::<axum::http::request::Parts>() else {
            tracing::debug!("no request in the reactive context (an abandoned render)");
            return Err(AppError::Internal);
        };
        parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
            tracing::error!("Auth missing from the request: is the authenticate middleware installed?");
            AppError::Internal
        })
    }

    /// A guest with this request's address and browser but no session, no
    /// cart and no cookies: whom a page shared by every visitor is rendered
    /// for. Nothing it does is kept (its session is never saved).
    pub fn guest(&self, pool: &PgPool) -> Auth {
        let inner = &self.inner;
        Auth {
            inner: Arc::new(AuthInner {
                session: Session::new(None, Arc::new(PgSessionStore::new(pool.clone())), None),
                signed_in: Mutex::new(None),
                wants_parts: None,
                parts: Mutex::new(None),
                set_cookie: Mutex::new(Vec::new()),
                guest_cart: Mutex::new(None),
                user_agent: inner.user_agent.clone(),
                client: inner.client.clone(),
                secure: inner.secure,
            }),
        }
    }

    pub fn signed_in(&self) -> Option<SignedIn> {
        self.inner.signed_in.lock().expect("auth lock").clone()
    }

    pub fn viewer(&self) -> Option<Viewer> {
        self.signed_in().map(|s| s.viewer)
    }

    /// The signed-in person's parts of a shared page, read with who they are
    /// (once: a second call answers `None`).
    pub fn take_page_parts(&self) -> Option<db::PageParts> {
        self.inner.parts.lock().expect("auth lock").take()
    }

    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The client's address, for per-address rate limits.
    pub fn client(&self) -> &str {
        &self.inner.client
    }

    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    /// Starts a signed-in session on a fresh session id (no fixation) and
    /// sends the refresh cookie.
    /// A guest cart this browser carries moves into the session, for the cart
    /// to merge into the account's (`carried_cart`); its cookie goes.
    pub async fn establish(&self, viewer: Viewer, token_id: Uuid, token: &NewToken) -> Result<(), AppError> {
        let session = &self.inner.session;
        session.cycle_id().await?;
        session.insert(USER_ID, viewer.id).await?;
        session.insert(TOKEN_ID, token_id).await?;
        if let Some(cart) = self.guest_cart() {
            session.insert(CARRIED_CART, cart).await?;
            self.set_guest_cart(None);
        }
        self.set_refresh_cookie(Some(token));
        *self.inner.signed_in.lock().expect("auth lock") = Some(SignedIn { viewer, token_id });
        Ok(())
    }

    /// Ends the session and clears the refresh cookie. The caller revokes the token.
    pub async fn end(&self) -> Result<(), AppError> {
        self.inner.session.flush().await?;
        self.set_refresh_cookie(None);
        *self.inner.signed_in.lock().expect("auth lock") = None;
        Ok(())
    }

    fn set_refresh_cookie(&self, token: Option<&NewToken>) {
        let secure = if self.inner.secure { "; Secure" } else { "" };
        let cookie = match token {
            Some(token) => format!(
                "{REFRESH_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
                token.expose(),
                i64::from(REFRESH_TOKEN_DAYS) * 86_400
            ),
            None => format!("{REFRESH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
        };
        self.set_cookie(REFRESH_COOKIE, &cookie);
    }

    /// Queues a Set-Cookie for the response, replacing one queued for the same cookie.
    fn set_cookie(&self, name: &'static str, cookie: &str) {
        let Ok(value) = HeaderValue::from_str(cookie) else { return };
        let mut cookies = self.inner.set_cookie.lock().expect("auth lock");
        cookies.retain(|(queued, _)| *queued != name);
        cookies.push((name, value));
    }

    /// Keeps `message` for this browser's next page (a plain form's outcome
    /// after its redirect), out of the URL where a link could forge it.
    pub async fn set_flash(&self, key: &str, message: String) -> Result<(), AppError> {
        Ok(self.inner.session.insert(key, message).await?)
    }

    /// The message kept under `key`, once.
    pub async fn take_flash(&self, key: &str) -> Result<Option<String>, AppError> {
        Ok(self.inner.session.remove::<String>(key).await?)
    }

    /// The cart id a guest's browser carries, if any.
    pub fn guest_cart(&self) -> Option<Uuid> {
        *self.inner.guest_cart.lock().expect("auth lock")
    }

    /// The guest cart a signed-in browser brought along (kept at sign-in, or
    /// a cart cookie still carried), until `forget_carried_cart`.
    pub async fn carried_cart(&self) -> Result<Option<Uuid>, AppError> {
        match self.guest_cart() {
            Some(cart) => Ok(Some(cart)),
            None => Ok(self.inner.session.get::<Uuid>(CARRIED_CART).await?),
        }
    }

    /// Forgets the carried guest cart, once it is merged.
    pub async fn forget_carried_cart(&self) -> Result<(), AppError> {
        if self.guest_cart().is_some() {
            self.set_guest_cart(None);
        }
        if self.inner.session.get::<Uuid>(CARRIED_CART).await?.is_some() {
            self.inner.session.remove::<Uuid>(CARRIED_CART).await?;
        }
        Ok(())
    }

    /// Gives this browser a guest cart, or (with `None`) takes it away.
    pub fn set_guest_cart(&self, cart: Option<Uuid>) {
        let secure = if self.inner.secure { "; Secure" } else { "" };
        let cookie = match cart {
            Some(id) => format!(
                "{CART_COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
                CART_COOKIE_DAYS * 86_400
            ),
            None => format!("{CART_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
        };
        *self.inner.guest_cart.lock().expect("auth lock") = cart;
        self.set_cookie(CART_COOKIE, &cookie);
    }

    /// Works out who is signed in: the session's live token, or else a
    /// refresh cookie exchanged for a new session.
    async fn resolve(&self, pool: &PgPool, refresh: Option<&str>) -> Result<(), AppError> {
        let session = &self.inner.session;
        if let Some(token_id) = session.get::<Uuid>(TOKEN_ID).await? {
            if let Some(found) = db::session_viewer(pool, token_id, self.inner.wants_parts.as_ref()).await? {
                let viewer = found.viewer;
                if found.stale {
                    db::touch_refresh_token(pool, token_id).await?;
                }
                *self.inner.parts.lock().expect("auth lock") = found.parts;
                *self.inner.signed_in.lock().expect("auth lock") = Some(SignedIn { viewer, token_id });
                return Ok(());
            }
            // A browser with a live session never rotates its token, so a
            // rotated one means someone else presented it: the family goes.
            if let Some(user) = db::revoke_if_rotated_under_session(pool, token_id).await? {
                tracing::warn!(user = %user.0, "a live session's refresh token was used elsewhere; its family is revoked");
            }
            // Otherwise revoked elsewhere (sign out everywhere, password change) or expired.
            session.flush().await?;
            self.set_refresh_cookie(None);
            return Ok(());
        }
        let Some(presented) = refresh else { return Ok(()) };
        if !tokens::looks_valid(presented) {
            self.set_refresh_cookie(None);
            return Ok(());
        }
        match db::rotate_refresh_token(pool, presented, self.user_agent()).await? {
            Rotation::Renewed { viewer, token_id, token } => self.establish(viewer, token_id, &token).await?,
            Rotation::Reused { user } => {
                tracing::warn!(user = %user.0, "a rotated refresh token was presented again; its family is revoked");
                self.set_refresh_cookie(None);
            }
            Rotation::Invalid => self.set_refresh_cookie(None),
        }
        Ok(())
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Static files and the health check skip sessions entirely.
fn needs_auth(path: &str) -> bool {
    !(path.starts_with("/pkg/") || path.starts_with("/media/") || path == "/healthz")
}

/// Middleware: resolves the signed-in user into an [`Auth`] request extension
/// and sends back any cookie change. Runs inside the session layer.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !needs_auth(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        tracing::error!("authenticate runs outside the session layer");
        return next.run(request).await;
    };
    let headers = request.headers();
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let client = crate::security::client_address(&request, state.config.trust_proxy);
    let auth = Auth {
        inner: Arc::new(AuthInner {
            session,
            signed_in: Mutex::new(None),
            wants_parts: crate::personal::wants_parts(&state, &request),
            parts: Mutex::new(None),
            set_cookie: Mutex::new(Vec::new()),
            guest_cart: Mutex::new(cookie(headers, CART_COOKIE).and_then(|id| Uuid::parse_str(id).ok())),
            user_agent,
            client,
            secure: state.config.secure_cookies(),
        }),
    };
    let refresh = cookie(request.headers(), REFRESH_COOKIE).map(str::to_owned);
    if let Err(error) = auth.resolve(&state.pool, refresh.as_deref()).await {
        // Never on as a guest: a signed-in shopper's cart/add would fill a
        // guest cart, and their page would say they are signed out.
        return crate::startup::refusal(&request, error);
    }
    let private = crate::security::private_path(request.uri().path());
    request.extensions_mut().insert(auth.clone());
    let mut response = next.run(request).await;
    for (_, value) in auth.inner.set_cookie.lock().expect("auth lock").drain(..) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    // What a signed-in person sees, or a private area, stays out of every cache.
    if private || auth.viewer().is_some() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

/// Deletes expired sessions, tokens and counters every ten minutes.
pub fn spawn_cleanup(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match db::delete_expired(&pool).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "deleted expired sessions, tokens and counters"),
                Err(error) => tracing::warn!(%error, "expired-session cleanup failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; trove_refresh_x=2; trove_refresh=abc"));
        assert_eq!(cookie(&headers, REFRESH_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn assets_skip_the_session() {
        assert!(!needs_auth("/pkg/trove.wasm"));
        assert!(!needs_auth("/media/seed/x.svg"));
        assert!(needs_auth("/account"));
        assert!(needs_auth("/api/account/sign_in"));
    }
}
