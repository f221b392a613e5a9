//! Who is calling the JSON API: the bearer token on each request, checked
//! afresh every time (revoked, expired, owner demoted or disabled all take
//! effect on the very next request), and the API's error shape, RFC 9457
//! problem details.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Scope, TokenKind, db, rules};
use crate::account::{Role, UserId};
use crate::error::{AppError, FieldErrors};
use crate::security::Limit;
use crate::state::AppState;

/// Requests a minute per token, and per address for calls without one
/// (`Config::api_token_rate`, `api_anonymous_rate`).
fn per_token(state: &AppState) -> Limit {
    Limit { name: "api:token", max: i32::try_from(state.config.api_token_rate).unwrap_or(i32::MAX), window_secs: 60 }
}

fn per_address(state: &AppState) -> Limit {
    Limit {
        name: "api:address",
        max: i32::try_from(state.config.api_anonymous_rate).unwrap_or(i32::MAX),
        window_secs: 60,
    }
}

/// The caller of one API request, as its token allows it now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: i64,
    pub kind: TokenKind,
    /// USER tokens: the person. CLIENT tokens: none (they act for the shop).
    pub person: Option<(UserId, Role)>,
    /// Who answers for what a CLIENT token changes (the admin who made it).
    pub accountable: UserId,
    scopes: Vec<Scope>,
}

impl Caller {
    /// The scopes this caller holds now (a USER token's, cut to its owner's role).
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// Refuses the request with 403 naming `scope` unless the token holds it.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(Problem::new(StatusCode::FORBIDDEN, "Missing scope")
                .detail(format!("This token does not have the {} scope.", scope.as_str()))
                .scope(scope))
        }
    }

    /// The person a USER token acts as; a CLIENT token has none.
    pub fn person(&self) -> Result<UserId, Problem> {
        self.person.map(|(id, _)| id).ok_or_else(|| {
            Problem::new(StatusCode::FORBIDDEN, "Needs a personal token")
                .detail("This operation acts as a person: use a USER token (trove_pat_…), not a client token.")
        })
    }

    /// Whether the caller acts for the shop with at least `role`: a CLIENT
    /// token always does (its scopes limit it), a USER token if its owner has the role.
    pub fn is_staff(&self, role: Role) -> bool {
        match self.person {
            None => true,
            Some((_, owner)) => owner.includes(role),
        }
    }

    /// The user the audit log names for a change this caller makes.
    pub fn actor(&self) -> UserId {
        self.person.map_or(self.accountable, |(id, _)| id)
    }
}

/// An API error as RFC 9457 problem details (`application/problem+json`),
/// boxed: handlers return it on every error path.
#[derive(Debug, Clone)]
pub struct Problem(Box<Details>);

/// The members of a problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Problem, example = json!({"type": "about:blank", "title": "Missing scope", "status": 403,
    "detail": "This token does not have the inventory:write scope.", "scope": "inventory:write"}))]
pub struct Details {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// 422: the message for each field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
    /// 403: the scope the token lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'static str>,
    #[serde(skip)]
    challenge: Option<&'static str>,
    #[serde(skip)]
    retry_after: Option<u32>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str) -> Self {
        Problem(Box::new(Details {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: None,
            errors: None,
            scope: None,
            challenge: None,
            retry_after: None,
        }))
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    fn scope(mut self, scope: Scope) -> Self {
        self.0.scope = Some(scope.as_str());
        self
    }

    /// 401 with the `WWW-Authenticate` challenge `error` (RFC 6750).
    pub fn unauthorized(error: &'static str, detail: &str) -> Self {
        let mut problem = Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized").detail(detail);
        problem.0.challenge = Some(error);
        problem
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        let status = error.status_code();
        let title = match &error {
            AppError::NotFound => "Not found",
            AppError::Unauthorized => "Unauthorized",
            AppError::Forbidden => "Forbidden",
            AppError::Validation(_) => "Invalid request",
            AppError::Conflict { .. } | AppError::OutOfStock(_) => "Conflict",
            AppError::BadRequest(_) => "Bad request",
            AppError::PaymentFailed(_) => "Payment failed",
            AppError::TooManyRequests(_) => "Too many requests",
            AppError::Network | AppError::Unavailable => "Unavailable",
            AppError::Internal => "Internal error",
        };
        let mut problem = Problem::new(status, title).detail(error.to_string());
        match error {
            AppError::Validation(fields) => problem.0.errors = Some(fields),
            AppError::Conflict { field, message } => problem.0.errors = Some(FieldErrors::from([(field, message)])),
            AppError::TooManyRequests(_) => problem.0.retry_after = Some(60),
            AppError::Unavailable => problem.0.retry_after = Some(5),
            _ => {}
        }
        problem
    }
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (challenge, retry_after) = (self.0.challenge, self.0.retry_after);
        let mut response = (status, Json(*self.0)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(error) = challenge {
            let value = format!(r#"Bearer realm="trove", error="{error}""#);
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The SHA-256 a secret is stored as.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Middleware on `/api/v1`: resolves the bearer token (if any) into a
/// `Caller` extension, refusing bad ones with 401, and counts the request
/// against its rate limit. Cookies are never read here: the API has no
/// session, so no cross-site request can act with a shopper's sign-in.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // No stored name holds a NUL: a path with one names nothing.
    if request.uri().path().to_ascii_lowercase().contains("%00") {
        return Problem::new(StatusCode::NOT_FOUND, "Not found").detail("Nothing has that name.").into_response();
    }
    let address = crate::security::client_address(&request, state.config.trust_proxy);
    let header = request.headers().get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or_default().to_owned());
    let caller = match header {
        None => None,
        Some(value) => match resolve(&state, &value, &address).await {
            Ok(caller) => Some(caller),
            Err(problem) => return problem.into_response(),
        },
    };
    let limited = match &caller {
        Some(caller) => state.limits.take(&per_token(&state), &caller.token.to_string()),
        None => state.limits.take(&per_address(&state), &address),
    };
    if let Err(error) = limited {
        return Problem::from(error).into_response();
    }
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

async fn resolve(state: &AppState, value: &str, address: &str) -> Result<Caller, Problem> {
    let Some(secret) = value.strip_prefix("Bearer ").map(str::trim) else {
        return Err(Problem::unauthorized("invalid_request", "Send the token as: Authorization: Bearer <token>."));
    };
    // A mistyped or made-up secret is refused without a database lookup.
    if rules::read_secret(secret).is_none() {
        return Err(Problem::unauthorized(
            "invalid_token",
            "This is not a Trove API token (check it was copied whole).",
        ));
    }
    let found = db::find(&state.pool, &hash(secret)).await?;
    let Some(found) = found else {
        return Err(Problem::unauthorized("invalid_token", "Unknown token."));
    };
    if found.revoked {
        return Err(Problem::unauthorized("invalid_token", "This token has been revoked."));
    }
    if found.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Problem::unauthorized("invalid_token", "This token has expired."));
    }
    if found.owner_disabled {
        return Err(Problem::unauthorized("invalid_token", "The account this token belongs to is disabled."));
    }
    let person = match (found.kind, found.user, found.role) {
        (TokenKind::User, Some(user), Some(role)) => Some((user, role)),
        (TokenKind::User, ..) => return Err(Problem::unauthorized("invalid_token", "Unknown token.")),
        (TokenKind::Client, ..) => None,
    };
    let role = person.map_or(Role::Admin, |(_, role)| role);
    let scopes =
        found.scopes.iter().filter_map(|s| Scope::parse(s)).filter(|scope| scope.allowed(found.kind, role)).collect();
    if found.last_used_at.is_none_or(|at| Utc::now() - at > chrono::Duration::minutes(1)) {
        db::touch(&state.pool, found.id, address).await?;
    }
    Ok(Caller { token: found.id, kind: found.kind, person, accountable: found.created_by, scopes })
}
