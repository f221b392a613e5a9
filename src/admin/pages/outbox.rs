//! The email outbox: development's inbox when no SMTP server is configured.

use super::*;

crate::ui::lazy_page!(OutboxRoute, OutboxPage);

/// Outgoing mail, newest first (admins): development's inbox when no SMTP
/// server is configured.
#[component]
fn OutboxPage() -> impl IntoView {
    let outbox = Resource::new(|| (), |_| get_outbox());
    view! {
        <Title text="Email outbox" />
        <section class="admin-page">
            {loaded(outbox, move |mails| {
                view! {
                    <h1>"Email outbox"</h1>
                    <p>"The newest 50 messages. Without SMTP_URL nothing is sent, and this is where mail can be read."</p>
                    {mails.into_iter().map(|m| view! {
                        <article class="panel outbox-mail">
                            <h2>{m.subject.clone()}</h2>
                            <p>"To " {m.recipient.clone()} " · queued "
                                <Time at=m.created_at.clone() /> " · "
                                {match m.sent_at.clone() {
                                    Some(at) => format!("sent {}", at.text),
                                    None => format!("not sent ({} attempts)", m.attempts),
                                }}
                            </p>
                            {m.last_error.clone().map(|e| view! { <p class="alert alert-error">{e}</p> })}
                            <pre>{m.body_text.clone()}</pre>
                        </article>
                    }).collect_view()}
                }.into_any()
            })}
        </section>
    }
}
