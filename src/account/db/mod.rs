//! All of the accounts feature's SQL, one file per part of an account.
//! Functions take a pool or a connection so that callers compose them inside
//! one transaction.

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::password::PasswordHash;
use super::rules::SignUp;
use super::tokens::{self, NewToken};
use super::{Account, Address, AddressInput, ContactEntry, ContactKind, Role, SignedInDevice, UserId, Viewer};
use crate::error::{AppError, ConstraintField};

/// How long a refresh token (and so a sign-in) lasts without use, in days.
pub const REFRESH_TOKEN_DAYS: i32 = 30;
/// A successor issued this recently may still be on its way to the browser
/// whose concurrent request got another one: it stays valid.
const ROTATION_GRACE_SECONDS: f64 = 20.0;

/// The accounts' unique constraints, as form errors.
const CONSTRAINTS: &[ConstraintField] = &[
    ("users_username_key", "username", "That username is taken."),
    ("user_emails_email_key", "email", "That email address belongs to another account."),
    ("user_phones_user_phone_key", "phone", "That number is already on your account."),
];

fn conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, CONSTRAINTS)
}

mod addresses;
mod contacts;
mod links;
mod refresh;
mod users;

pub use addresses::*;
pub use contacts::*;
pub use links::*;
pub use refresh::*;
pub use users::*;
