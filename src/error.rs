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
            AppError::Network => 503,
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
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::BadRequest(format!("The request was not understood: {m}"))
            }
            ServerFnErrorErr::Request(_) => AppError::Network,
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use axum::http::StatusCode;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use super::AppError;

    impl AppError {
        /// Sets this error's status on the response being built (a server function
        /// call, or the page whose render called it) and returns the error.
        ///
        /// A plain HTML form post (no JavaScript) is left alone: the server
        /// function answers it with a redirect back to the form, carrying the
        /// error in the URL, and a browser only follows a redirect status.
        pub fn reported(self) -> Self {
            let form_post = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
                parts.method == axum::http::Method::POST
                    && parts
                        .headers
                        .get(axum::http::header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.contains("text/html"))
            });
            if form_post {
                return self;
            }
            if let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
            }
            self
        }

        /// `NotFound`, reported: the response answers 404.
        pub fn not_found() -> Self {
            AppError::NotFound.reported()
        }
    }

    /// Logs the database's message and tells the caller nothing of it.
    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            tracing::error!(%error, "database error");
            AppError::Internal.reported()
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(error: tower_sessions::session::Error) -> Self {
            tracing::error!(%error, "session store error");
            AppError::Internal.reported()
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(error: tokio::task::JoinError) -> Self {
            tracing::error!(%error, "blocking task failed");
            AppError::Internal.reported()
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status = axum::http::StatusCode::from_u16(self.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(self)).into_response()
        }
    }
}

/// In the browser there is no response to set a status on.
#[cfg(not(feature = "ssr"))]
mod client {
    use super::AppError;

    impl AppError {
        pub fn reported(self) -> Self {
            self
        }

        pub fn not_found() -> Self {
            AppError::NotFound
        }
    }
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
