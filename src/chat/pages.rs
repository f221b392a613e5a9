//! The chat's pages: a shopper's conversations (`/messages`, with "Ask a
//! question"), a conversation (`/messages/{id}`, and for staff
//! `/admin/inbox/{id}` beside the shopper's orders), and staff's inbox
//! (`/admin/inbox`). Every form is a plain form first; once hydrated, a
//! conversation follows new messages live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    AssignConversation, CloseConversation, EditMessage, JoinConversation, PostMessage, RemoveMessage,
    StartConversation, get_conversation, get_inbox, get_my_conversations,
};
use super::follow::ChatLive;
use super::rules::{MAX_MESSAGE, Segment, segments};
use super::{Conversation, InboxFilter, Member, Message, RoomSummary};
use crate::account::components::AuthContext;
use crate::admin::pages::AdminPage;
use crate::money::format_money;
use crate::ui::{Field, FormStatus, Time, action_error, field_error, loaded};

/// A message's text: plain text, with web addresses as links that pass no
/// trust or referrer on.
#[component]
fn MessageText(text: String) -> impl IntoView {
    segments(&text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.into_any(),
            Segment::Link(href) => {
                let text = href.clone();
                view! { <a href=href rel="nofollow noopener noreferrer ugc" target="_blank">{text}</a> }.into_any()
            }
        })
        .collect_view()
}

/// What a viewer may do to messages: their own (edit, remove) or, as
/// staff, anyone's (remove with a reason).
#[derive(Clone, Copy)]
struct Changes {
    edit: ServerAction<EditMessage>,
    remove: ServerAction<RemoveMessage>,
    staff: bool,
}

#[component]
fn MessageItem(message: Message, changes: Changes, #[prop(into)] seen: Signal<Option<String>>) -> impl IntoView {
    let message_id = message.id;
    let own = message.mine && message.removed.is_none();
    let moderate = changes.staff && !message.mine && message.removed.is_none();
    let text = message.body.clone();
    let class = match (message.mine, message.staff) {
        (true, _) => "chat-message mine",
        (false, true) => "chat-message staff",
        (false, false) => "chat-message",
    };
    view! {
        <li class=class id=format!("message-{}", message.id) data-id=message.id.to_string()>
            <p class="chat-meta">
                <strong>{if message.mine { "You".to_owned() } else { message.author.clone() }}</strong>
                {message.staff.then(|| view! { " " <span class="badge badge-info">"Staff"</span> })}
                " · " <Time at=message.at.clone() />
                {message.edited.then_some(" · edited")}
            </p>
            {match message.removed.clone() {
                Some(why) => view! { <p class="chat-removed">{why}</p> }.into_any(),
                None => view! { <p class="chat-text"><MessageText text=message.body.clone() /></p> }.into_any(),
            }}
            {move || seen.get().map(|names| view! { <p class="chat-seen">{format!("Seen by {names}")}</p> })}
            {own.then(|| view! {
                <details class="chat-change">
                    <summary>"Edit or remove"</summary>
                    <ActionForm action=changes.edit>
                        <input type="hidden" name="message" value=message_id.to_string() />
                        <label for=format!("edit-{message_id}")>"Edit your message"</label>
                        <textarea id=format!("edit-{message_id}") name="text" rows="2" maxlength=MAX_MESSAGE.to_string()>{text}</textarea>
                        <button type="submit" class="button button-secondary">"Save"</button>
                    </ActionForm>
                    <ActionForm action=changes.remove>
                        <input type="hidden" name="message" value=message_id.to_string() />
                        <button type="submit" class="link-button">"Remove this message"</button>
                    </ActionForm>
                </details>
            })}
            {moderate.then(|| view! {
                <details class="chat-change">
                    <summary>"Remove"</summary>
                    <ActionForm action=changes.remove>
                        <input type="hidden" name="message" value=message_id.to_string() />
                        <label for=format!("reason-{message_id}")>"Why (shown in its place)"</label>
                        <input id=format!("reason-{message_id}") name="reason" required maxlength="300" />
                        <button type="submit" class="button button-danger">"Remove"</button>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

/// A list of conversations; `base` is `/messages` or `/admin/inbox`.
#[component]
fn RoomList(rooms: Vec<RoomSummary>, base: &'static str, staff: bool) -> impl IntoView {
    view! {
        <ul class="chat-rooms">
            {rooms.into_iter().map(|room| {
                let unread = room.unread;
                let class = if unread > 0 { "chat-room unread" } else { "chat-room" };
                view! {
                    <li class=class>
                        <a href=format!("{base}/{}", room.id.0)>{room.subject.clone()}</a>
                        {(unread > 0).then(|| view! {
                            " " <span class="badge badge-info">{format!("{unread} unread")}</span>
                        })}
                        {room.closed.then(|| view! { " " <span class="badge">"Closed"</span> })}
                        <p class="chat-room-meta">
                            {staff.then(|| format!("{} · ", room.customer))}
                            {room.order.map(|n| format!("Order {n} · "))}
                            "Last activity " <Time at=room.last_activity.clone() />
                            {room.assigned_to.clone().filter(|_| staff).map(|who| format!(" · {who} looks after it"))}
                        </p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn MessagesPage() -> impl IntoView {
    let start = crate::flash::action::<StartConversation>();
    let auth = AuthContext::use_context();
    let live = ChatLive::use_context();
    let rooms = Resource::new(
        move || (start.version().get(), live.map(|live| live.changed.get())),
        move |_| async move {
            AuthContext::known_signed_in(auth).await?;
            get_my_conversations().await
        },
    );
    let error = action_error(start.value());
    view! {
        <Title text="Messages" />
        <section class="chat-page">
            <h1>"Messages"</h1>
            <h2>"Ask a question"</h2>
            <p>"Our team answers here, usually within a few hours; you will get an email if you are away."</p>
            <ActionForm action=start attr:class="chat-start" attr:novalidate=true>
                <FormStatus error fields=&["subject", "text"] />
                <Field id="chat-subject" name="subject" label="Subject" required=true error=field_error(error, "subject") />
                <div class="field">
                    <label for="chat-first">"Your question"</label>
                    <textarea id="chat-first" name="text" rows="4" maxlength=MAX_MESSAGE.to_string() required
                        aria-invalid=move || field_error(error, "text").get().is_some().then_some("true")
                        aria-describedby="chat-first-error"></textarea>
                    <p class="field-error" id="chat-first-error">{move || field_error(error, "text").get()}</p>
                </div>
                <button type="submit" class="button">"Send"</button>
            </ActionForm>
            <h2>"Your conversations"</h2>
            {loaded(rooms, move |rooms| {
                if rooms.is_empty() {
                    return view! { <p>"No conversations yet."</p> }.into_any();
                }
                view! { <RoomList rooms base="/messages" staff=false /> }.into_any()
            })}
        </section>
    }
}

crate::ui::lazy_page!(MessagesRoute, MessagesPage);

#[component]
pub fn InboxPage() -> impl IntoView {
    let query = use_query_map();
    let filter =
        move || query.with(|q| q.get("filter").as_deref().and_then(InboxFilter::from_param)).unwrap_or_default();
    let auth = AuthContext::use_context();
    let live = ChatLive::use_context();
    let rooms = Resource::new(
        move || (filter(), live.map(|live| live.changed.get())),
        move |(filter, _)| async move {
            AuthContext::known_signed_in(auth).await?;
            get_inbox(Some(filter.param().to_owned())).await
        },
    );
    view! {
        <AdminPage title={"Inbox".to_owned()} current="/admin/inbox">
            <nav class="inbox-filters" aria-label="Show">
                <ul>
                    {InboxFilter::ALL.into_iter().map(|f| view! {
                        <li><a href=format!("/admin/inbox?filter={}", f.param())
                            aria-current=move || (filter() == f).then_some("page")>{f.label()}</a></li>
                    }).collect_view()}
                </ul>
            </nav>
            {loaded(rooms, move |rooms| {
                if rooms.is_empty() {
                    return view! { <p>"No conversations here."</p> }.into_any();
                }
                view! { <RoomList rooms base="/admin/inbox" staff=true /> }.into_any()
            })}
        </AdminPage>
    }
}

crate::ui::lazy_page!(InboxRoute, InboxPage);

#[component]
pub fn ConversationPage() -> impl IntoView {
    let params = use_params_map();
    let room = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = crate::flash::action::<PostMessage>();
    let join = crate::flash::action::<JoinConversation>();
    let close = crate::flash::action::<CloseConversation>();
    let assign = crate::flash::action::<AssignConversation>();
    let edit = crate::flash::action::<EditMessage>();
    let remove = crate::flash::action::<RemoveMessage>();
    let auth = AuthContext::use_context();
    let conversation = Resource::new(
        move || {
            let versions = (post.version().get(), join.version().get(), close.version().get(), assign.version().get());
            (room(), versions, edit.version().get(), remove.version().get())
        },
        move |(room, ..)| async move {
            AuthContext::known_signed_in(auth).await?;
            get_conversation(room.ok_or(crate::error::AppError::NotFound)?, None).await
        },
    );
    let change_error =
        Signal::derive(move || action_error(edit.value()).get().or_else(|| action_error(remove.value()).get()));
    view! {
        {loaded(conversation, move |c| {
            let changes = Changes { edit, remove, staff: c.staff_view };
            view! { <ConversationView c post join close assign changes change_error /> }
        })}
    }
}

crate::ui::lazy_page!(ConversationRoute, ConversationPage);

#[component]
fn ConversationView(
    c: Conversation,
    post: ServerAction<PostMessage>,
    join: ServerAction<JoinConversation>,
    close: ServerAction<CloseConversation>,
    assign: ServerAction<AssignConversation>,
    changes: Changes,
    change_error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let room = c.room.id.0;
    let error = action_error(post.value());
    let messages = RwSignal::new(c.messages.clone());
    let members = RwSignal::new(c.members.clone());
    follow(room, c.revision, messages, members);
    let seen = Memo::new(move |_| messages.with(|messages| members.with(|members| seen_by(messages, members))));
    let layout = if c.staff_view { "chat-layout staff" } else { "chat-layout" };
    let back = if c.staff_view { ("/admin/inbox", "Inbox") } else { ("/messages", "All your conversations") };
    let assign_error = action_error(assign.value());
    let assigned = c.assigned.clone();
    let staff = c.staff.clone();
    view! {
        <Title text=c.room.subject.clone() />
        <div class=layout>
            <article class="chat-conversation">
                <h1>{c.room.subject.clone()}</h1>
                <p class="chat-members">"In this conversation: " {move || members.with(|m| in_conversation(m))}</p>
                {c.room.closed.then(|| view! { <p class="alert">"This conversation is closed."</p> })}
                {c.earlier.map(|_| view! { <p class="chat-earlier">"Earlier messages are not shown."</p> })}
                <FormStatus error=change_error fields=&[] />
                <ol class="chat-messages" aria-label="Messages" aria-live="polite">
                    <For each=move || messages.get() key=|m| (m.id, m.body.clone(), m.removed.clone()) let:message>
                        {
                            let id = message.id;
                            let seen = Signal::derive(move || seen.with(|s| s.get(&id).cloned()));
                            view! { <MessageItem message changes seen /> }
                        }
                    </For>
                </ol>
                {(!c.room.closed).then(|| view! {
                    <ActionForm action=post attr:class="chat-post" attr:novalidate=true>
                        <FormStatus error fields=&["text"] />
                        <input type="hidden" name="room" value=room.to_string() />
                        <div class="field">
                            <label for="chat-text">"Your message"</label>
                            <textarea id="chat-text" name="text" rows="3" maxlength=MAX_MESSAGE.to_string() required
                                aria-invalid=move || field_error(error, "text").get().is_some().then_some("true")
                                aria-describedby="chat-text-error"></textarea>
                            <p class="field-error" id="chat-text-error">{move || field_error(error, "text").get()}</p>
                        </div>
                        <button type="submit" class="button">"Send"</button>
                    </ActionForm>
                })}
                <p><a href=back.0>{back.1}</a></p>
            </article>
            {c.staff_view.then(|| view! {
                <aside class="chat-side" aria-label="About the customer">
                    <h2>{c.room.customer.clone()}</h2>
                    {(!c.member).then(|| view! {
                        <ActionForm action=join>
                            <input type="hidden" name="room" value=room.to_string() />
                            <button type="submit" class="button">"Join the conversation"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=assign attr:class="chat-assign">
                        <FormStatus error=assign_error fields=&["to"] />
                        <input type="hidden" name="room" value=room.to_string() />
                        <label for="chat-assign-to">"Looked after by"</label>
                        <select id="chat-assign-to" name="to">
                            <option value="" selected=assigned.is_none()>"Nobody"</option>
                            {staff.into_iter().map(|s| {
                                let chosen = assigned.as_deref() == Some(s.id.as_str());
                                view! { <option value=s.id selected=chosen>{s.name}</option> }
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button button-secondary">"Assign"</button>
                    </ActionForm>
                    <ActionForm action=close>
                        <input type="hidden" name="room" value=room.to_string() />
                        <input type="hidden" name="closed" value=(!c.room.closed).to_string() />
                        <button type="submit" class="button button-secondary">
                            {if c.room.closed { "Reopen" } else { "Close the conversation" }}
                        </button>
                    </ActionForm>
                    <h3>"Recent orders"</h3>
                    {if c.recent_orders.is_empty() {
                        view! { <p>"No orders."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="chat-orders">
                                {c.recent_orders.into_iter().map(|o| view! {
                                    <li>
                                        <a href=format!("/admin/orders/{}", o.number.0)>{format!("Order {}", o.number)}</a>
                                        " · " {o.status.label()} " · " {format_money(o.total, &o.currency)}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </aside>
            })}
        </div>
    }
}

/// "Amy Pond (Customer), Moe Szyslak (Moderator)".
fn in_conversation(members: &[Member]) -> String {
    members.iter().map(|m| format!("{} ({})", m.name, m.role)).collect::<Vec<_>>().join(", ")
}

/// Under which of the viewer's own messages to say who has seen it: each
/// other member at the newest one they have read.
fn seen_by(messages: &[Message], members: &[Member]) -> std::collections::HashMap<i64, String> {
    let mut seen: std::collections::HashMap<i64, Vec<&str>> = std::collections::HashMap::new();
    for member in members.iter().filter(|m| !m.you) {
        let newest = messages.iter().rev().find(|m| m.mine && m.id <= member.read_up_to);
        if let Some(message) = newest {
            seen.entry(message.id).or_default().push(&member.name);
        }
    }
    seen.into_iter().map(|(id, names)| (id, names.join(", "))).collect()
}

/// Puts `message` in its place among `shown` (oldest first): replaces the
/// one it changes, or adds a new one; one older than the page is left out.
#[cfg(any(feature = "hydrate", test))]
fn upsert(shown: &mut Vec<Message>, message: Message) {
    match shown.binary_search_by_key(&message.id, |m| m.id) {
        Ok(at) => shown[at] = message,
        Err(0) if !shown.is_empty() => {}
        Err(at) => shown.insert(at, message),
    }
}

/// Once hydrated: every change in `room` after `revision` (messages posted,
/// edited, removed) arrives in `messages`, and who is in it and has read
/// what in `members`, while the page is visible; what arrives while it is
/// visible is marked read. The stream resumes after the last revision it
/// had, whether the browser reconnects on its own or the page is shown again.
fn follow(room: i64, revision: i64, messages: RwSignal<Vec<Message>>, members: RwSignal<Vec<Member>>) {
    #[cfg(feature = "hydrate")]
    {
        use std::cell::Cell;
        use std::rc::Rc;

        use super::follow::{Following, page_visible};
        let last = Rc::new(Cell::new(revision));
        let marked = Rc::new(Cell::new(messages.with_untracked(|m| m.last().map_or(0, |m| m.id))));
        let on_message = {
            let last = Rc::clone(&last);
            move |event: web_sys::MessageEvent| {
                if let Ok(revision) = event.last_event_id().parse::<i64>() {
                    last.set(last.get().max(revision));
                }
                let Some(Ok(message)) = event.data().as_string().map(|d| serde_json::from_str::<Message>(&d)) else {
                    return;
                };
                messages.update(|shown| upsert(shown, message));
                let newest = messages.with_untracked(|m| m.last().map_or(0, |m| m.id));
                if page_visible() && newest > marked.get() {
                    marked.set(newest);
                    leptos::task::spawn_local(async move {
                        let _ = super::api::mark_read(room, newest).await;
                    });
                }
            }
        };
        let on_members = move |event: web_sys::MessageEvent| {
            if let Some(Ok(list)) = event.data().as_string().map(|d| serde_json::from_str::<Vec<Member>>(&d)) {
                members.set(list);
            }
        };
        let url = move || format!("/chat/rooms/{room}/events?since={}", last.get());
        let following =
            Following::start(url, vec![("message", Box::new(on_message)), ("members", Box::new(on_members))]);
        let following = send_wrapper::SendWrapper::new(following);
        on_cleanup(move || drop(following));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, revision, messages, members);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, mine: bool, body: &str) -> Message {
        Message {
            id,
            author: "Amy".into(),
            staff: false,
            mine,
            body: body.into(),
            removed: None,
            edited: false,
            at: crate::ui::Moment { iso: String::new(), text: String::new() },
        }
    }

    fn member(name: &str, you: bool, read_up_to: i64) -> Member {
        Member { name: name.into(), role: "Customer".into(), you, read_up_to }
    }

    #[test]
    fn a_change_replaces_its_message_and_a_new_one_takes_its_place_by_id() {
        let mut shown = vec![message(10, true, "a"), message(12, true, "b")];
        upsert(&mut shown, message(12, true, "b, edited"));
        upsert(&mut shown, message(14, false, "d"));
        upsert(&mut shown, message(11, false, "late"));
        upsert(&mut shown, message(3, false, "older than the page"));
        let ids: Vec<(i64, &str)> = shown.iter().map(|m| (m.id, m.body.as_str())).collect();
        assert_eq!(ids, [(10, "a"), (11, "late"), (12, "b, edited"), (14, "d")]);
        let mut empty = Vec::new();
        upsert(&mut empty, message(5, false, "first"));
        assert_eq!(empty.len(), 1);
    }

    #[test]
    fn each_other_member_is_seen_at_the_newest_of_my_messages_they_have_read() {
        let shown = [message(1, true, "q"), message(2, false, "a"), message(3, true, "q2"), message(4, true, "q3")];
        let members =
            [member("Me", true, 4), member("Moe", false, 3), member("Lou", false, 3), member("Ann", false, 0)];
        let seen = seen_by(&shown, &members);
        assert_eq!(seen.get(&3).map(String::as_str), Some("Moe, Lou"));
        assert_eq!(seen.len(), 1, "{seen:?}");
    }
}
