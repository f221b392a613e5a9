//! Conversations live (server only), as Server-Sent Events:
//!
//! - `GET /chat/rooms/{id}/events` streams a room's changes to a member's
//!   open page: every message posted, edited or removed (`message`, whose
//!   event id is the room's revision it took) and who is in it and has read
//!   what (`members`). A page (re)connects with the last revision it has
//!   (`Last-Event-ID`, which the browser's EventSource sends on its own
//!   after a dropped connection, or `?since=`) and is sent exactly the
//!   changes after it, in order: each wake-up reads "changed after the last
//!   one sent" from the database, where a room's revisions commit in order
//!   (`db::post`, `db::edit`, `db::remove`).
//! - `GET /chat/events` streams a signed-in person's unread count
//!   (`unread`) and, to staff, that the inbox changed (`inbox`): what the
//!   header and the conversation lists follow.
//!
//! Each instance LISTENs on `chat` once (`db::NotifyFeed`), so a change
//! made through any instance reaches the pages open on every instance.
//! Both streams end when their sign-in does (sign out everywhere).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::{Member, Message, RoomId, db, service};
use crate::account::session::{Auth, SignedIn};
use crate::account::{Role, Viewer};
use crate::state::AppState;

/// How often an open stream checks that its sign-in still holds.
const SESSION_CHECK: Duration = Duration::from_secs(5);

/// How long a stream gathers notices that call for a count or a read-state
/// query, so a burst costs one query (new messages are never held back).
const GATHER: Duration = Duration::from_millis(250);

/// What a stream needs to do after the notices it has received.
#[derive(Default, Clone, Copy)]
struct Due {
    /// Read what changed since the last revision sent / recount unread.
    changes: bool,
    /// Read the members' read state / tell staff the inbox changed.
    read: bool,
}

impl Due {
    fn any(self) -> bool {
        self.changes || self.read
    }
}

/// The sign-in a stream rides on, checked every `SESSION_CHECK`.
struct Session {
    token: uuid::Uuid,
    check: tokio::time::Interval,
}

impl Session {
    fn new(signed_in: &SignedIn) -> Self {
        let start = tokio::time::Instant::now() + SESSION_CHECK;
        Session { token: signed_in.token_id, check: tokio::time::interval_at(start, SESSION_CHECK) }
    }

    /// Whether the sign-in still holds (asked after each `check` tick).
    async fn holds(&self, state: &AppState) -> bool {
        match crate::account::db::still_signed_in(&state.pool, self.token).await {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, "chat stream could not check its sign-in");
                false
            }
        }
    }
}

/// An open page's stream: the next event to send, or `None` when it ends.
trait Live: Send + 'static {
    fn next(&mut self) -> impl std::future::Future<Output = Option<Event>> + Send;
}

/// How soon a browser whose stream ended for a shutdown reconnects (to
/// another instance, through the proxy), resuming from its last event.
const RECONNECT_AFTER_SHUTDOWN: std::time::Duration = std::time::Duration::from_millis(250);

/// Streams what `live` sends, with keep-alive comments between; counted as
/// open (`open`) until it ends. When the instance shuts down the stream ends
/// with a last event telling the browser to reconnect soon, so shutdown
/// never waits on an open page.
fn serve(live: impl Live, open: crate::metrics::StreamGuard, stopping: crate::state::Stopping) -> Response {
    let stream = futures_util::stream::unfold(Some((live, open)), move |running| {
        let stopping = stopping.clone();
        async move {
            let (mut live, open) = running?;
            tokio::select! {
                event = live.next() => event.map(|event| (Ok::<_, Infallible>(event), Some((live, open)))),
                () = stopping.wait() => {
                    let last = Event::default().retry(RECONNECT_AFTER_SHUTDOWN).comment("shutting down");
                    Some((Ok(last), None))
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// Why a stream is not opened.
enum Refused {
    SignedOut,
    OtherSite,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignedOut => crate::error::AppError::Unauthorized.into_response(),
            Refused::OtherSite => {
                (StatusCode::FORBIDDEN, "Requests from other sites are not accepted.").into_response()
            }
        }
    }
}

/// The sign-in a stream opens under: none, or another site's page (which
/// must not open a member's stream with their cookies), is refused.
fn opener(state: &AppState, auth: &Auth, headers: &HeaderMap) -> Result<SignedIn, Refused> {
    let signed_in = auth.signed_in().ok_or(Refused::SignedOut)?;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if !origin.to_str().is_ok_and(|o| crate::security::same_origin(o, host, &state.config.public_url)) {
            return Err(Refused::OtherSite);
        }
    }
    Ok(signed_in)
}

#[derive(serde::Deserialize)]
struct Notice {
    #[serde(default)]
    read: bool,
}

/// What a notice asks of a room's stream: an empty payload (sent when the
/// listener reconnected and may have missed some) asks for everything.
fn room_due(payload: &str) -> Due {
    match serde_json::from_str::<Notice>(payload) {
        Ok(Notice { read: true }) => Due { changes: false, read: true },
        Ok(_) => Due { changes: true, read: false },
        Err(_) => Due { changes: true, read: true },
    }
}

/// Takes every notice already waiting in `updates` into `due`; `None` when
/// the feed is gone.
fn drain(updates: &mut Receiver<Arc<str>>, due: &mut Due, classify: impl Fn(&str) -> Due) -> Option<()> {
    loop {
        match updates.try_recv() {
            Ok(payload) => {
                let more = classify(&payload);
                due.changes |= more.changes;
                due.read |= more.read;
            }
            Err(TryRecvError::Empty) => return Some(()),
            Err(TryRecvError::Lagged(_)) => {
                *due = Due { changes: true, read: true };
            }
            Err(TryRecvError::Closed) => return None,
        }
    }
}

/// What a room's stream sends.
enum Out {
    /// A message as it is now, and the room revision its latest change took.
    Message(i64, Message),
    /// Who is in the room and how far each has read ("Seen by Amy").
    Members(Vec<Member>),
}

/// One open page's stream of a room.
struct RoomLive {
    state: AppState,
    viewer: Viewer,
    session: Session,
    room: RoomId,
    /// The newest revision the page has.
    last: i64,
    updates: Receiver<Arc<str>>,
    ready: VecDeque<Out>,
    due: Due,
    /// When to read the members' read state, gathered since the first
    /// notice that asked for it (new messages are not held back meanwhile).
    read_at: Option<tokio::time::Instant>,
    /// The members last sent.
    members: Vec<Member>,
}

impl Live for RoomLive {
    async fn next(&mut self) -> Option<Event> {
        loop {
            match self.ready.pop_front() {
                Some(Out::Message(revision, _)) if revision <= self.last => continue,
                Some(Out::Message(revision, message)) => {
                    self.last = revision;
                    let event = Event::default().id(revision.to_string()).event("message");
                    return Some(event.json_data(&message).unwrap_or_else(|_| Event::default().comment("unreadable")));
                }
                Some(Out::Members(members)) => {
                    let event = Event::default().event("members");
                    return Some(event.json_data(&members).unwrap_or_else(|_| Event::default().comment("unreadable")));
                }
                None => {}
            }
            if self.due.changes {
                self.due.changes = false;
                match db::changed_since(&self.state.pool, self.room, self.viewer.id, self.last).await {
                    Ok(changed) => self.ready.extend(changed.into_iter().map(|(r, m)| Out::Message(r, m))),
                    Err(error) => {
                        // The page reconnects with its last revision and misses nothing.
                        tracing::warn!(%error, "chat stream could not read messages");
                        return None;
                    }
                }
                continue;
            }
            if self.due.read && self.read_at.is_none_or(|at| at <= tokio::time::Instant::now()) {
                self.due.read = false;
                self.read_at = None;
                match db::members(&self.state.pool, self.room, self.viewer.id).await {
                    Ok(members) => {
                        if members != self.members {
                            self.members.clone_from(&members);
                            self.ready.push_back(Out::Members(members));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "chat stream could not read who has read what");
                        return None;
                    }
                }
                continue;
            }
            let read_at = self.read_at;
            tokio::select! {
                update = self.updates.recv() => match update {
                    Ok(payload) => {
                        let due = room_due(&payload);
                        self.due.changes |= due.changes;
                        if due.read && !self.due.read {
                            // Read state: let a burst of notices gather into one query.
                            self.due.read = true;
                            self.read_at = Some(tokio::time::Instant::now() + GATHER);
                        }
                    }
                    Err(RecvError::Lagged(_)) => self.due = Due { changes: true, read: true },
                    Err(RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(read_at.unwrap_or_else(tokio::time::Instant::now)), if read_at.is_some() => {}
                _ = self.session.check.tick() => {
                    if !self.session.holds(&self.state).await {
                        return None;
                    }
                }
            }
        }
    }
}

/// `GET /chat/rooms/{id}/events`: the room's changes after the page's last
/// revision, then each one as it is made, and who has read what. Only for
/// whoever may read the room (others are told it does not exist).
pub async fn events(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(room): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let signed_in = match opener(&state, &auth, &headers) {
        Ok(signed_in) => signed_in,
        Err(refused) => return refused.into_response(),
    };
    let viewer = signed_in.viewer.clone();
    let room = RoomId(room);
    if let Err(error) = service::readable(&state, &viewer, room).await {
        return error.into_response();
    }
    let resumed = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let last = resumed.or_else(|| query.get("since").and_then(|v| v.parse().ok())).unwrap_or(0_i64).max(0);
    // Subscribed before the first read: nothing changed in between is missed.
    let updates = state.chat.subscribe(&state.pool, &format!("r{}", room.0));
    let session = Session::new(&signed_in);
    let due = Due { changes: true, read: true };
    let open = state.metrics.stream_opened();
    let stopping = state.stopping.clone();
    let live = RoomLive {
        state,
        viewer,
        session,
        room,
        last,
        updates,
        ready: VecDeque::new(),
        due,
        read_at: None,
        members: Vec::new(),
    };
    serve(live, open, stopping)
}

/// One open page's stream of its person's unread count.
struct PersonLive {
    state: AppState,
    viewer: Viewer,
    session: Session,
    /// Notices for this person ("p<id>").
    mine: Receiver<Arc<str>>,
    /// Staff: notices that the inbox changed.
    inbox: Option<Receiver<Arc<str>>>,
    due: Due,
    /// The count last sent.
    unread: Option<i64>,
}

impl Live for PersonLive {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.due.changes {
                self.due.changes = false;
                match db::unread_total(&self.state.pool, self.viewer.id).await {
                    Ok(count) if Some(count) == self.unread => {}
                    Ok(count) => {
                        self.unread = Some(count);
                        let event = Event::default().event("unread").data(format!("{{\"count\":{count}}}"));
                        return Some(event);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "chat stream could not count unread messages");
                        return None;
                    }
                }
            }
            if self.due.read {
                self.due.read = false;
                return Some(Event::default().event("inbox").data("{}"));
            }
            let inbox = &mut self.inbox;
            let inbox = async {
                match inbox.as_mut() {
                    Some(inbox) => inbox.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                update = self.mine.recv() => match update {
                    Ok(_) | Err(RecvError::Lagged(_)) => self.due.changes = true,
                    Err(RecvError::Closed) => return None,
                },
                update = inbox => match update {
                    Ok(_) | Err(RecvError::Lagged(_)) => self.due.read = true,
                    Err(RecvError::Closed) => return None,
                },
                _ = self.session.check.tick() => {
                    if !self.session.holds(&self.state).await {
                        return None;
                    }
                    continue;
                }
            }
            // A burst (a busy inbox, several rooms) costs one count.
            tokio::time::sleep(GATHER).await;
            let mut due = self.due;
            drain(&mut self.mine, &mut due, |_| Due { changes: true, read: false })?;
            if let Some(inbox) = self.inbox.as_mut() {
                drain(inbox, &mut due, |_| Due { changes: false, read: true })?;
            }
            self.due = due;
            debug_assert!(self.due.any());
        }
    }
}

/// `GET /chat/events`: the signed-in person's unread count now and each
/// time it changes (`unread`), and for staff each time the inbox changes
/// (`inbox`, at most about four times a second).
pub async fn person_events(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
) -> Response {
    let signed_in = match opener(&state, &auth, &headers) {
        Ok(signed_in) => signed_in,
        Err(refused) => return refused.into_response(),
    };
    let viewer = signed_in.viewer.clone();
    let mine = state.chat.subscribe(&state.pool, &format!("p{}", viewer.id.0));
    let inbox = viewer.role.includes(Role::Moderator).then(|| state.chat.subscribe(&state.pool, "staff"));
    let session = Session::new(&signed_in);
    let due = Due { changes: true, read: false };
    let open = state.metrics.stream_opened();
    let stopping = state.stopping.clone();
    let live = PersonLive { state, viewer, session, mine, inbox, due, unread: None };
    serve(live, open, stopping)
}
