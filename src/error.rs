//! The one error type every server function and page shares, on both targets.

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Field name → message shown beside that field.
pub type FieldErrors = BTreeMap<String, String>;

/// What can go wrong, as a shopper or API caller may be told it.
///
/// `Internal` carries nothing: the details are logged on the server and never
/// reach the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We couldn't find that page.")]
    NotFound,
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You don't have access to that.")]
    Forbidden,
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    /// Less stock than asked for; the message names the product and what is left.
    #[error("{0}")]
    OutOfStock(String),
    /// The card was declined or the payment provider refused; the message says why.
    #[error("{0}")]
    PaymentFailed(String),
    /// Too many attempts; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("The store could not be reached. Check your connection and try again.")]
    Network,
    /// The database cannot be reached just now (restarting, failing over).
    #[error("The store is unavailable for a moment. Please try again in a few seconds.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The HTTP status this error answers with, for server functions and SSR alike.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::Validation(_) => 422,
            AppError::Conflict { .. } => 409,
            AppError::BadRequest(_) => 400,
            AppError::OutOfStock(_) => 409,
            AppError::PaymentFailed(_) => 402,
            AppError::TooManyRequests(_) => 429,
            AppError::Network | AppError::Unavailable => 503,
            AppError::Internal => 500,
        }
    }

    /// A validation error for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::from([(field.to_owned(), message.into())]))
    }

    /// The message to show beside `field`, if this error is about it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(fields) => fields.get(field).cloned(),
            AppError::Conflict { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The parser's own words ("invalid digit found in string") help
            // no one reading a page: they go to the log, the caller gets ours.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) | ServerFnErrorErr::Deserialization(m) => {
                #[cfg(feature = "ssr")]
                tracing::debug!(detail = %m, "a request's arguments could not be read");
                let _ = m;
                AppError::BadRequest(
                    "The form could not be read: a value is missing or not what was expected. Reload the page and try again."
                        .into(),
                )
            }
            ServerFnErrorErr::Request(_) => AppError::Network,
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::middleware::Next;
    use axum::response::{IntoResponse, Response};
    use leptos::prelude::use_context;
    use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
    use leptos_axum::ResponseOptions;

    use super::AppError;

    /// An encoded `AppError` is a few hundred bytes; anything larger is not one.
    const MAX_ERROR_BYTES: usize = 64 * 1024;

    impl AppError {
        /// The status as axum's type.
        pub fn status_code(&self) -> StatusCode {
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }

        /// Sets this error's status on the page being rendered, when the
        /// render is on the server. Called by the error view, the one place a
        /// page shows a whole-page error.
        pub fn set_page_status(&self) {
            if let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(self.status_code());
            }
        }
    }

    /// The boundary where a server function's error gets its status.
    ///
    /// server_fn answers every error with 500 and marks the response with its
    /// error header; this reads the `AppError` it carries and answers with
    /// that error's status instead, so no server function has to remember to.
    /// A plain form post is answered by a redirect back to the form (the
    /// error rides in the URL) and is left as it is: browsers only follow a
    /// redirect status.
    pub async fn server_fn_status(request: Request, next: Next) -> Response {
        let response = next.run(request).await;
        if response.status() != StatusCode::INTERNAL_SERVER_ERROR
            || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
            parts.status = error.status_code();
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    /// A named constraint's meaning on a form: (constraint, field, message).
    pub type ConstraintField = (&'static str, &'static str, &'static str);

    impl AppError {
        /// The form error for a violated constraint named in `fields`, found by
        /// the constraint's name (never by searching the database's text): a
        /// unique violation is a `Conflict`, any other (foreign key, check) a
        /// `Validation` error. Any other database error is logged and `Internal`.
        pub fn from_constraint(error: sqlx::Error, fields: &[ConstraintField]) -> AppError {
            let Some(database) = error.as_database_error() else { return error.into() };
            let Some(&(_, field, message)) =
                database.constraint().and_then(|name| fields.iter().find(|(constraint, ..)| *constraint == name))
            else {
                return error.into();
            };
            match database.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    AppError::Conflict { field: field.to_owned(), message: message.to_owned() }
                }
                _ => AppError::field(field, message),
            }
        }
    }

    /// Logs the database's message and tells the caller nothing of it: a
    /// database out of reach is `Unavailable` (503, try again), anything
    /// else `Internal`.
    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            if crate::db::unreachable(&error) {
                tracing::warn!(%error, "database unreachable");
                return AppError::Unavailable;
            }
            tracing::error!(%error, "database error");
            AppError::Internal
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(error: tower_sessions::session::Error) -> Self {
            if error.to_string().contains(crate::account::session::UNREACHABLE) {
                tracing::warn!(%error, "session store unreachable");
                return AppError::Unavailable;
            }
            tracing::error!(%error, "session store error");
            AppError::Internal
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(error: tokio::task::JoinError) -> Self {
            tracing::error!(%error, "blocking task failed");
            AppError::Internal
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            (self.status_code(), axum::Json(self)).into_response()
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{ConstraintField, server_fn_status};

/// In the browser there is no response to set a status on.
#[cfg(not(feature = "ssr"))]
impl AppError {
    pub fn set_page_status(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_tell_the_browser_nothing() {
        let text = AppError::Internal.to_string();
        assert_eq!(text, "Something went wrong on our side. Please try again.");
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn errors_round_trip_through_the_server_function_encoding() {
        let error = AppError::field("name", "That name is taken");
        let bytes = error.ser();
        assert_eq!(AppError::de(bytes), error);
    }

    #[test]
    fn bad_arguments_become_a_bad_request() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `page`".into()));
        assert_eq!(error.status(), 400);
    }
}
