//! The account page: profile, picture, emails and phones.

use super::*;

/// Profile, avatar, emails and phones.
#[component]
pub fn AccountPage() -> impl IntoView {
    let query = use_query_map();
    let profile = crate::flash::action::<UpdateProfile>();
    // One server function, two forms: each keeps its own result.
    let add_email = crate::flash::action::<AddContact>();
    let add_phone = crate::flash::action::<AddContact>();
    let remove = crate::flash::action::<RemoveContact>();
    let primary = crate::flash::action::<MakeContactPrimary>();
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
            crate::account::rules::avatar_message(&code)
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
            {loaded(account, move |account| {
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
