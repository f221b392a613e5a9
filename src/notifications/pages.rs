//! The notifications page, and the context whose version the header's bell follows.

use crate::account::components::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::read_notifications;
use crate::ui::{Time, loaded};

/// `version` moves on when the unread count may have changed; the header's
/// counts (`HeaderCountsContext`) follow it.
#[derive(Clone, Copy)]
pub struct NotificationContext {
    pub version: RwSignal<u32>,
}

impl NotificationContext {
    pub fn provide() -> Self {
        let context = NotificationContext { version: RwSignal::new(0) };
        provide_context(context);
        context
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let auth = AuthContext::use_context();
    let list = Resource::new(
        || (),
        move |_| async move {
            AuthContext::known_signed_in(auth).await?;
            read_notifications().await
        },
    );
    // Reading marks them read: the bell counts again once they have loaded.
    Effect::new(move |_| {
        if matches!(list.get(), Some(Ok(_)))
            && let Some(context) = use_context::<NotificationContext>()
        {
            context.version.update(|v| *v += 1);
        }
    });
    view! {
        <Title text="Notifications" />
        <section class="notifications-page">
            <h1>"Notifications"</h1>
            {loaded(list, move |items| {
                if items.is_empty() {
                    return view! { <p>"Nothing yet."</p> }.into_any();
                }
                view! {
                    <ul class="notification-list">
                        {items.into_iter().map(|n| view! {
                            <li class=if n.unread { "notification unread" } else { "notification" }>
                                {n.unread.then(|| view! { <span class="badge badge-info">"New"</span> " " })}
                                <a href=n.link.clone()><strong>{n.title.clone()}</strong></a>
                                <p>{n.body.clone()}</p>
                                <Time at=n.created_at.clone() />
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

crate::ui::lazy_page!(NotificationsRoute, NotificationsPage);
