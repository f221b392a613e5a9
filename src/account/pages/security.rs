//! Password and sessions: change the password, see and end sign-ins.

use super::*;

/// Change password; where you're signed in, with sign-out per row and everywhere.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = crate::flash::action::<ChangePassword>();
    let everywhere = crate::flash::action::<SignOutEverywhere>();
    let device = crate::flash::action::<SignOutDevice>();
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
                    {loaded(devices, move |devices| {
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
                    <ActionForm action=everywhere>
                        <FormStatus error=action_error(everywhere.value()) fields=&[] success=everywhere_done />
                        <button type="submit" class="button button-secondary">"Sign out everywhere else"</button>
                    </ActionForm>
                </section>
            </div>
        </section>
    }
}
