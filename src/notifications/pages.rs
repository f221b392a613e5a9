//! The notifications page and the header's bell.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::read_notifications;
use crate::account::components::{AccountError, AuthContext};
use crate::cart::components::HeaderCountsContext;
use crate::ui::{Loading, Time};

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

/// A bell linking to the notifications, with the unread count; signed-in only.
#[component]
pub fn HeaderBell() -> impl IntoView {
    let Some(HeaderCountsContext(counts)) = use_context::<HeaderCountsContext>() else { return ().into_any() };
    let auth = AuthContext::use_context();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = match auth { Some(auth) => auth.viewer.await.ok().flatten().is_some(), None => false };
                let unread = counts.await.map(|c| c.unread).unwrap_or(0);
                signed_in.then(|| view! {
                    <a class="bell-link" href="/notifications">
                        <span aria-hidden="true">"🔔"</span>
                        <span class="visually-hidden">"Notifications"</span>
                        {(unread > 0).then(|| view! {
                            <span class="bell-count" data-count=unread.to_string()>
                                {unread.to_string()}<span class="visually-hidden">" unread"</span>
                            </span>
                        })}
                    </a>
                })
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| read_notifications());
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
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let items = match list.await {
                        Ok(items) => items,
                        Err(error) => return view! { <AccountError error /> }.into_any(),
                    };
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
            </Suspense>
        </section>
    }
}

crate::ui::lazy_page!(NotificationsRoute, NotificationsPage);
