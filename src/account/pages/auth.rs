//! Signing in and up, resetting a password, confirming an email address.

use super::*;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let reset_done = move || query.read().get("reset").as_deref() == Some("done");
    let action = crate::flash::action::<SignIn>();
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
                Some(next) => format!("/sign-up?next={}", crate::ui::encode_component(&next)),
                None => "/sign-up".to_owned(),
            }>"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let action = crate::flash::action::<SignUp>();
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
            <p>"Already have an account? " <a href=move || match next() {
                Some(next) => format!("/sign-in?next={}", crate::ui::encode_component(&next)),
                None => "/sign-in".to_owned(),
            }>"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = crate::flash::action::<RequestPasswordReset>();
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
    let action = crate::flash::action::<ResetPassword>();
    let error = action_error(action.value());
    view! {
        <Title text="Choose a new password" />
        <section class="auth-page">
            <h1>"Choose a new password"</h1>
            {loaded(usable, move |usable| {
                match usable {
                    true => view! {
                        <ActionForm action>
                            <FormStatus error fields=&["password"] />
                            <input type="hidden" name="token" value=token() />
                            <Field id="reset-password" name="password" label="New password" kind="password"
                                autocomplete="new-password" required=true hint=PASSWORD_RULES
                                error=field_error(error, "password") check=password_check() />
                            <button type="submit" class="button">"Set new password"</button>
                        </ActionForm>
                    }.into_any(),
                    false => view! {
                        <p class="alert alert-error">"This reset link has expired or was already used."</p>
                        <p><a href="/forgot-password">"Ask for a new link"</a></p>
                    }.into_any(),
                }
            })}
        </section>
    }
}

/// Where an email confirmation link leads: one button confirms the address
/// (a link scanner following the link confirms nothing).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let action = crate::flash::action::<VerifyEmail>();
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
