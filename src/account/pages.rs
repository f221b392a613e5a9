//! Account pages: sign-in, sign-up, password reset, and the account area.
//! Every form posts to its server function, so it works before hydration;
//! once hydrated it updates in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::*;
use super::components::{AccountError, AccountNav, AuthContext};
use super::rules::{
    COUNTRIES, PASSWORD_RULES, USERNAME_RULES, country_name, email_problem, password_problem, username_problem,
};
use super::{Address, AddressInput, ContactEntry, ContactKind, Role};
use crate::error::AppError;
use crate::ui::{ErrorView, Field, FormStatus, Loading, Time, action_error, field_error, on_success};

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

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let reset_done = move || query.read().get("reset").as_deref() == Some("done");
    let action = ServerAction::<SignIn>::new();
    on_success(action.value(), AuthContext::changed);
    let error = action_error(action.value());
    view! {
        <Title text="Sign in" />
        <section class="auth-page">
            <h1>"Sign in"</h1>
            {move || reset_done().then(|| view! {
                <p class="alert alert-success" role="status">"Your password has been changed. Sign in with your new password."</p>
            })}
            <ActionForm action>
                <FormStatus error fields=&["login", "password"] />
                <Field id="sign-in-login" name="login" label="Email or username" autocomplete="username" required=true
                    error=field_error(error, "login") />
                <Field id="sign-in-password" name="password" label="Password" kind="password"
                    autocomplete="current-password" required=true error=field_error(error, "password") />
                {move || next().map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <button type="submit" class="button">"Sign in"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href=move || match next() {
                Some(next) => format!("/sign-up?next={}", super::components::encode_component(&next)),
                None => "/sign-up".to_owned(),
            }>"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let action = ServerAction::<SignUp>::new();
    on_success(action.value(), AuthContext::changed);
    let error = action_error(action.value());
    let fields = &["username", "email", "first_name", "last_name", "password"];
    view! {
        <Title text="Create an account" />
        <section class="auth-page">
            <h1>"Create an account"</h1>
            <ActionForm action>
                <FormStatus error fields />
                <Field id="sign-up-username" name="username" label="Username" autocomplete="username" required=true
                    hint=USERNAME_RULES error=field_error(error, "username") check=username_check() />
                <Field id="sign-up-email" name="email" label="Email" kind="email" autocomplete="email" required=true
                    error=field_error(error, "email") check=email_check() />
                <div class="field-row">
                    <Field id="sign-up-first-name" name="first_name" label="First name" autocomplete="given-name"
                        required=true error=field_error(error, "first_name") />
                    <Field id="sign-up-last-name" name="last_name" label="Last name" autocomplete="family-name"
                        required=true error=field_error(error, "last_name") />
                </div>
                <Field id="sign-up-password" name="password" label="Password" kind="password"
                    autocomplete="new-password" required=true hint=PASSWORD_RULES error=field_error(error, "password")
                    check=password_check() />
                {move || next().map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <button type="submit" class="button">"Create account"</button>
            </ActionForm>
            <p>"Already have an account? " <a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action.value());
    let sent = Signal::derive(move || {
        matches!(action.value().get(), Some(Ok(()))).then(|| {
            "If that matches an account, we've emailed a link to reset its password. It works for one hour.".to_owned()
        })
    });
    view! {
        <Title text="Reset your password" />
        <section class="auth-page">
            <h1>"Reset your password"</h1>
            <p>"Enter your email or username and we'll email you a link to choose a new password."</p>
            <ActionForm action>
                <FormStatus error fields=&["login"] success=sent />
                <Field id="forgot-login" name="login" label="Email or username" autocomplete="username" required=true
                    error=field_error(error, "login") />
                <button type="submit" class="button">"Email me a link"</button>
            </ActionForm>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let usable = Resource::new(token, check_reset_token);
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Choose a new password" />
        <section class="auth-page">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match usable.await {
                        Ok(true) => view! {
                            <ActionForm action>
                                <FormStatus error fields=&["password"] />
                                <input type="hidden" name="token" value=token() />
                                <Field id="reset-password" name="password" label="New password" kind="password"
                                    autocomplete="new-password" required=true hint=PASSWORD_RULES
                                    error=field_error(error, "password") check=password_check() />
                                <button type="submit" class="button">"Set new password"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(false) => view! {
                            <p class="alert alert-error">"This reset link has expired or was already used."</p>
                            <p><a href="/forgot-password">"Ask for a new link"</a></p>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Where an email confirmation link leads: one button confirms the address
/// (a link scanner following the link confirms nothing).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action.value());
    let done = Signal::derive(move || {
        action.value().get().and_then(|r| r.ok()).map(|email| format!("Thank you: {email} is confirmed."))
    });
    view! {
        <Title text="Confirm your email address" />
        <section class="auth-page">
            <h1>"Confirm your email address"</h1>
            <ActionForm action>
                <FormStatus error fields=&[] success=done />
                <input type="hidden" name="token" value=token />
                <button type="submit" class="button">"Confirm my email address"</button>
            </ActionForm>
            <p><a href="/account">"Go to your account"</a></p>
        </section>
    }
}

/// Profile, avatar, emails and phones.
#[component]
pub fn AccountPage() -> impl IntoView {
    let query = use_query_map();
    let profile = ServerAction::<UpdateProfile>::new();
    // One server function, two forms: each keeps its own result.
    let add_email = ServerAction::<AddContact>::new();
    let add_phone = ServerAction::<AddContact>::new();
    let remove = ServerAction::<RemoveContact>::new();
    let primary = ServerAction::<MakeContactPrimary>::new();
    on_success(profile.value(), AuthContext::changed);
    let account = Resource::new(
        move || {
            (
                profile.version().get(),
                add_email.version().get(),
                add_phone.version().get(),
                remove.version().get(),
                primary.version().get(),
            )
        },
        |_| get_account(),
    );
    let profile_error = action_error(profile.value());
    let profile_saved =
        Signal::derive(move || matches!(profile.value().get(), Some(Ok(()))).then(|| "Profile saved.".to_owned()));
    let email_error = action_error(add_email.value());
    let email_sent = Signal::derive(move || {
        matches!(add_email.value().get(), Some(Ok(())))
            .then(|| "Added. We've emailed it a link: open it to confirm the address is yours.".to_owned())
    });
    let phone_error = action_error(add_phone.value());
    let list_error = Signal::derive(move || {
        [remove.value().get(), primary.value().get()].into_iter().flatten().find_map(|r| r.err())
    });
    let avatar_note = move || {
        let query = query.read();
        if let Some(code) = query.get("avatar_error") {
            super::rules::avatar_message(&code)
                .map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> }.into_any())
        } else if query.get("avatar").is_some() {
            Some(view! { <p class="alert alert-success" role="status">"Your picture was updated."</p> }.into_any())
        } else {
            None
        }
    };
    view! {
        <Title text="Your account" />
        <section class="account-page">
            <h1>"Your account"</h1>
            <AccountNav current="/account" />
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let account = match account.await {
                        Ok(account) => account,
                        Err(error) => return view! { <AccountError error /> }.into_any(),
                    };
                    view! {
                        <div class="account-sections">
                            <section aria-labelledby="profile-heading" class="panel">
                                <h2 id="profile-heading">"Profile"</h2>
                                <p>"Username: " <strong>{account.username.clone()}</strong>
                                    {(account.role != Role::Member).then(|| view! { " · " <span class="badge badge-info">{account.role.label()}</span> })}
                                </p>
                                <ActionForm action=profile>
                                    <FormStatus error=profile_error fields=&["first_name", "last_name"] success=profile_saved />
                                    <div class="field-row">
                                        <Field id="profile-first-name" name="first_name" label="First name" autocomplete="given-name"
                                            value=account.first_name.clone() required=true error=field_error(profile_error, "first_name") />
                                        <Field id="profile-last-name" name="last_name" label="Last name" autocomplete="family-name"
                                            value=account.last_name.clone() required=true error=field_error(profile_error, "last_name") />
                                    </div>
                                    <button type="submit" class="button">"Save profile"</button>
                                </ActionForm>
                            </section>
                            <section aria-labelledby="avatar-heading" class="panel">
                                <h2 id="avatar-heading">"Picture"</h2>
                                {avatar_note}
                                {match account.avatar_url.clone() {
                                    Some(url) => view! { <img class="avatar" src=url alt="Your picture" width="128" height="128" /> }.into_any(),
                                    None => view! { <p>"No picture yet."</p> }.into_any(),
                                }}
                                <form method="post" action="/account/avatar" enctype="multipart/form-data" class="avatar-form">
                                    <div class="field">
                                        <label for="avatar-file">"Choose a picture"</label>
                                        <input id="avatar-file" type="file" name="avatar" accept="image/png,image/jpeg,image/webp"
                                            required aria-describedby="avatar-hint" />
                                        <p class="field-hint" id="avatar-hint">"PNG, JPEG or WebP, up to 5 MB. It is cropped to a square."</p>
                                    </div>
                                    <button type="submit" class="button">"Upload picture"</button>
                                </form>
                            </section>
                            <section aria-labelledby="emails-heading" class="panel">
                                <h2 id="emails-heading">"Email addresses"</h2>
                                <ContactList entries=account.emails.clone() kind=ContactKind::Email remove primary />
                                <ActionForm action=add_email>
                                    <FormStatus error=email_error fields=&["email", "current_password"] success=email_sent />
                                    <input type="hidden" name="kind" value="email" />
                                    <Field id="add-email" name="value" label="Add an email address" kind="email" autocomplete="email"
                                        required=true error=field_error(email_error, "email") check=email_check() />
                                    <Field id="add-email-password" name="current_password" label="Your current password"
                                        kind="password" autocomplete="current-password" required=true
                                        hint="Needed because password reset links can be sent to this address."
                                        error=field_error(email_error, "current_password") />
                                    <button type="submit" class="button button-secondary">"Add email"</button>
                                </ActionForm>
                            </section>
                            <section aria-labelledby="phones-heading" class="panel">
                                <h2 id="phones-heading">"Phone numbers"</h2>
                                <ContactList entries=account.phones.clone() kind=ContactKind::Phone remove primary />
                                <ActionForm action=add_phone>
                                    <FormStatus error=phone_error fields=&["phone"] />
                                    <input type="hidden" name="kind" value="phone" />
                                    <Field id="add-phone" name="value" label="Add a phone number" kind="tel" autocomplete="tel"
                                        required=true error=field_error(phone_error, "phone") />
                                    <button type="submit" class="button button-secondary">"Add phone"</button>
                                </ActionForm>
                            </section>
                            <FormStatus error=list_error fields=&[] />
                        </div>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// Emails or phones, each with "make primary" and "remove".
#[component]
fn ContactList(
    entries: Vec<ContactEntry>,
    kind: ContactKind,
    remove: ServerAction<RemoveContact>,
    primary: ServerAction<MakeContactPrimary>,
) -> impl IntoView {
    let kind_value = match kind {
        ContactKind::Email => "email",
        ContactKind::Phone => "phone",
    };
    if entries.is_empty() {
        return view! { <p>"None yet."</p> }.into_any();
    }
    // The last email can't be removed (the server refuses too); don't offer it.
    let removable = kind == ContactKind::Phone || entries.len() > 1;
    view! {
        <ul class="contact-list">
            {entries.into_iter().map(|entry| {
                let id = entry.id.to_string();
                let primary_id = id.clone();
                let label = entry.value.clone();
                view! {
                    <li class="contact">
                        <span class="contact-value">{entry.value.clone()}</span>
                        {entry.is_primary.then(|| view! { <span class="badge badge-info">"Primary"</span> })}
                        {(!entry.verified).then(|| view! { <span class="badge">"Unconfirmed: open the link we emailed"</span> })}
                        <span class="contact-actions">
                            {(!entry.is_primary && entry.verified).then(|| view! {
                                <ActionForm action=primary>
                                    <input type="hidden" name="kind" value=kind_value />
                                    <input type="hidden" name="id" value=primary_id />
                                    <button type="submit" class="link-button">
                                        "Make primary" <span class="visually-hidden">{format!(": {label}")}</span>
                                    </button>
                                </ActionForm>
                            })}
                            {removable.then(|| view! {
                                <ActionForm action=remove>
                                    <input type="hidden" name="kind" value=kind_value />
                                    <input type="hidden" name="id" value=id.clone() />
                                    <button type="submit" class="link-button">
                                        "Remove" <span class="visually-hidden">{format!(": {}", entry.value)}</span>
                                    </button>
                                </ActionForm>
                            })}
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The address book: add, edit, delete, make primary.
#[component]
pub fn AddressesPage() -> impl IntoView {
    let save = ServerAction::<SaveAddress>::new();
    let delete = ServerAction::<DeleteAddress>::new();
    let primary = ServerAction::<MakeAddressPrimary>::new();
    let addresses = Resource::new(
        move || (save.version().get(), delete.version().get(), primary.version().get()),
        |_| get_addresses(),
    );
    let list_error = Signal::derive(move || {
        [delete.value().get(), primary.value().get()].into_iter().flatten().find_map(|r| r.err())
    });
    view! {
        <Title text="Your addresses" />
        <section class="account-page">
            <h1>"Your addresses"</h1>
            <AccountNav current="/account/addresses" />
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let addresses = match addresses.await {
                        Ok(list) => list,
                        Err(error) => return view! { <AccountError error /> }.into_any(),
                    };
                    view! {
                        <FormStatus error=list_error fields=&[] />
                        {if addresses.is_empty() {
                            view! { <p>"No saved addresses yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="address-list">
                                    {addresses.into_iter().map(|address| view! {
                                        <AddressCard address save delete primary />
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <section aria-labelledby="new-address-heading" class="panel">
                            <h2 id="new-address-heading">"Add an address"</h2>
                            <AddressForm action=save prefix="new-address".into() address=None />
                        </section>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AddressCard(
    address: Address,
    save: ServerAction<SaveAddress>,
    delete: ServerAction<DeleteAddress>,
    primary: ServerAction<MakeAddressPrimary>,
) -> impl IntoView {
    let id = address.id.to_string();
    let primary_id = id.clone();
    let delete_id = id.clone();
    let f = address.fields.clone();
    let name = f.full_name.clone();
    let delete_label = format!(": {}", f.full_name);
    let edit_label = format!(" address of {}", f.full_name);
    let line2 = f.line2.clone();
    let phone = f.phone.clone();
    view! {
        <li class="address panel" aria-label=format!("Address of {}", f.full_name)>
            <address>
                {f.full_name.clone()} <br />
                {f.line1.clone()} <br />
                {(!line2.is_empty()).then(|| view! { {line2.clone()} <br /> })}
                {format!("{} {} {}", f.city, f.province, f.postal_code).split_whitespace().collect::<Vec<_>>().join(" ")} <br />
                {country_name(&f.country).to_owned()}
                {(!phone.is_empty()).then(|| view! { <br /> {phone.clone()} })}
            </address>
            {address.is_primary.then(|| view! { <p><span class="badge badge-info">"Primary address"</span></p> })}
            <div class="address-actions">
                {(!address.is_primary).then(|| view! {
                    <ActionForm action=primary>
                        <input type="hidden" name="id" value=primary_id />
                        <button type="submit" class="link-button">"Make primary" <span class="visually-hidden">{format!(": {name}")}</span></button>
                    </ActionForm>
                })}
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=delete_id />
                    <button type="submit" class="link-button">"Delete" <span class="visually-hidden">{delete_label}</span></button>
                </ActionForm>
            </div>
            <details>
                <summary>"Edit"<span class="visually-hidden">{edit_label}</span></summary>
                <AddressForm action=save prefix=format!("address-{id}") address=Some(address.clone()) />
            </details>
        </li>
    }
}

#[component]
fn AddressForm(action: ServerAction<SaveAddress>, prefix: String, address: Option<Address>) -> impl IntoView {
    let editing = address.as_ref().map(|a| a.id);
    let values =
        address.map(|a| a.fields).unwrap_or_else(|| AddressInput { country: "US".into(), ..Default::default() });
    // Errors belong to the form that was submitted: the one whose id matches.
    let error = Signal::derive(move || {
        // After a plain form post (no JavaScript) the input is unknown: the
        // error goes to the new-address form.
        let mine = action.input().get().map(|input| input.id == editing).unwrap_or(editing.is_none())
            && action.value().get().is_some();
        if mine { action.value().get().and_then(|r| r.err()) } else { None }
    });
    let saved = Signal::derive(move || {
        (editing.is_none()
            && matches!(action.value().get(), Some(Ok(())))
            && action.input().get().is_none_or(|i| i.id.is_none()))
        .then(|| "Address saved.".to_owned())
    });
    view! {
        <ActionForm action>
            <FormStatus error fields=&["full_name", "line1", "line2", "city", "province", "postal_code", "country", "phone"] success=saved />
            {editing.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            <AddressFields id_prefix=prefix.clone() name="address" values=values.clone() error />
            <button type="submit" class="button">{if editing.is_some() { "Save changes" } else { "Add address" }}</button>
        </ActionForm>
    }
}

/// The inputs of an address, named `{name}[field]`, for any form that takes one.
#[component]
pub fn AddressFields(
    /// Makes the inputs' ids unique on the page.
    id_prefix: String,
    /// The server function argument the fields belong to.
    name: &'static str,
    values: AddressInput,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = move |field: &'static str| field_error(error, field);
    let id = move |field: &str| format!("{id_prefix}-{field}");
    let country = values.country.clone();
    view! {
        <Field id=id("full-name") name=format!("{name}[full_name]") label="Full name" autocomplete="name" required=true
            value=values.full_name.clone() error=field("full_name") />
        <Field id=id("line1") name=format!("{name}[line1]") label="Address line 1" autocomplete="address-line1" required=true
            value=values.line1.clone() error=field("line1") />
        <Field id=id("line2") name=format!("{name}[line2]") label="Address line 2 (optional)" autocomplete="address-line2"
            value=values.line2.clone() error=field("line2") />
        <div class="field-row">
            <Field id=id("city") name=format!("{name}[city]") label="City" autocomplete="address-level2" required=true
                value=values.city.clone() error=field("city") />
            <Field id=id("province") name=format!("{name}[province]") label="State or province" autocomplete="address-level1"
                value=values.province.clone() error=field("province") />
        </div>
        <div class="field-row">
            <Field id=id("postal-code") name=format!("{name}[postal_code]") label="Postal code" autocomplete="postal-code" required=true
                value=values.postal_code.clone() error=field("postal_code") />
            <div class="field">
                <label for=id("country")>"Country"</label>
                <select id=id("country") name=format!("{name}[country]") autocomplete="country">
                    {COUNTRIES.iter().map(|(code, name)| view! {
                        <option value=*code selected=*code == country>{*name}</option>
                    }).collect_view()}
                </select>
                <p class="field-error">{move || field("country").get()}</p>
            </div>
        </div>
        <Field id=id("phone") name=format!("{name}[phone]") label="Phone (optional)" kind="tel" autocomplete="tel"
            value=values.phone.clone() error=field("phone") />
    }
}

/// Change password; where you're signed in, with sign-out per row and everywhere.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let device = ServerAction::<SignOutDevice>::new();
    on_success(device.value(), AuthContext::changed);
    let devices = Resource::new(
        move || (change.version().get(), everywhere.version().get(), device.version().get()),
        |_| get_devices(),
    );
    let change_error = action_error(change.value());
    let changed = Signal::derive(move || match change.value().get() {
        Some(Ok(0)) => Some("Your password was changed.".to_owned()),
        Some(Ok(n)) => Some(format!(
            "Your password was changed and {n} other session{} signed out.",
            if n == 1 { " was" } else { "s were" }
        )),
        _ => None,
    });
    let everywhere_done = Signal::derive(move || match everywhere.value().get() {
        Some(Ok(n)) => Some(format!("Signed out of {n} other session{}.", if n == 1 { "" } else { "s" })),
        _ => None,
    });
    view! {
        <Title text="Password and sessions" />
        <section class="account-page">
            <h1>"Password and sessions"</h1>
            <AccountNav current="/account/security" />
            <div class="account-sections">
                <section aria-labelledby="password-heading" class="panel">
                    <h2 id="password-heading">"Change password"</h2>
                    <ActionForm action=change>
                        <FormStatus error=change_error fields=&["current_password", "new_password"] success=changed />
                        <Field id="current-password" name="current_password" label="Current password" kind="password"
                            autocomplete="current-password" required=true error=field_error(change_error, "current_password") />
                        <Field id="new-password" name="new_password" label="New password" kind="password"
                            autocomplete="new-password" required=true hint=PASSWORD_RULES error=field_error(change_error, "new_password")
                            check=password_check() />
                        <p class="field-hint">"Changing your password signs out every other place you're signed in."</p>
                        <button type="submit" class="button">"Change password"</button>
                    </ActionForm>
                </section>
                <section aria-labelledby="sessions-heading" class="panel">
                    <h2 id="sessions-heading">"Where you're signed in"</h2>
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            let devices = match devices.await {
                                Ok(list) => list,
                                Err(error) => return view! { <AccountError error /> }.into_any(),
                            };
                            view! {
                                <table class="sessions">
                                    <thead><tr><th scope="col">"Device"</th><th scope="col">"Signed in"</th><th scope="col">"Last active"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {devices.into_iter().map(|d| {
                                            let id = d.id.to_string();
                                            view! {
                                                <tr class:current=d.current>
                                                    <td>{d.device.clone()} {d.current.then(|| view! { " " <span class="badge badge-info">"This device"</span> })}</td>
                                                    <td><Time at=d.signed_in_at.clone() /></td>
                                                    <td><Time at=d.last_used_at.clone() /></td>
                                                    <td>
                                                        <ActionForm action=device>
                                                            <input type="hidden" name="id" value=id />
                                                            <button type="submit" class="link-button">"Sign out"
                                                                <span class="visually-hidden">{format!(": {}", d.device)}</span>
                                                            </button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        })}
                    </Suspense>
                    <ActionForm action=everywhere>
                        <FormStatus error=action_error(everywhere.value()) fields=&[] success=everywhere_done />
                        <button type="submit" class="button button-secondary">"Sign out everywhere else"</button>
                    </ActionForm>
                </section>
            </div>
        </section>
    }
}

// Pages shoppers open rarely load on demand.
crate::ui::lazy_page!(ForgotPasswordRoute, ForgotPasswordPage);
crate::ui::lazy_page!(ResetPasswordRoute, ResetPasswordPage);
crate::ui::lazy_page!(VerifyEmailRoute, VerifyEmailPage);
crate::ui::lazy_page!(AddressesRoute, AddressesPage);
crate::ui::lazy_page!(SecurityRoute, SecurityPage);
crate::ui::lazy_page!(SignInRoute, SignInPage);
crate::ui::lazy_page!(SignUpRoute, SignUpPage);
crate::ui::lazy_page!(AccountRoute, AccountPage);
