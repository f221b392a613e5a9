//! Account pages: sign-in, sign-up, password reset, and the account area.
//! Every form posts to its server function, so it works before hydration;
//! once hydrated it updates in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::*;
use super::components::{AccountNav, AuthContext};
use super::rules::{
    COUNTRIES, PASSWORD_RULES, USERNAME_RULES, country_name, email_problem, password_problem, username_problem,
};
use super::{Address, AddressInput, ContactEntry, ContactKind, Role};
use crate::error::AppError;
use crate::ui::{Field, FormStatus, Time, action_error, field_error, loaded, on_success};

/// Browser-side checks: the rules the server applies, run as a field changes.
fn password_check() -> Callback<String, Option<String>> {
    Callback::new(|value: String| password_problem(&value, "", "").map(str::to_owned))
}

fn username_check() -> Callback<String, Option<String>> {
    Callback::new(|value: String| username_problem(value.trim()).map(str::to_owned))
}

fn email_check() -> Callback<String, Option<String>> {
    Callback::new(|value: String| email_problem(value.trim()).map(str::to_owned))
}

mod addresses;
mod auth;
mod profile;
mod security;

pub use addresses::*;
pub use auth::*;
pub use profile::*;
pub use security::*;

// Pages shoppers open rarely load on demand.
crate::ui::lazy_page!(ForgotPasswordRoute, ForgotPasswordPage);
crate::ui::lazy_page!(ResetPasswordRoute, ResetPasswordPage);
crate::ui::lazy_page!(VerifyEmailRoute, VerifyEmailPage);
crate::ui::lazy_page!(AddressesRoute, AddressesPage);
crate::ui::lazy_page!(SecurityRoute, SecurityPage);
crate::ui::lazy_page!(SignInRoute, SignInPage);
crate::ui::lazy_page!(SignUpRoute, SignUpPage);
crate::ui::lazy_page!(AccountRoute, AccountPage);
