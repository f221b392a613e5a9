//! Conversations live (server only): `GET /chat/rooms/{id}/events` streams a
//! room's new messages to a member's open page as Server-Sent Events. Each
//! instance LISTENs on `chat` once (`db::NotifyFeed`), so a message posted
//! through any instance reaches the pages open on every instance. A page
//! (re)connects with the last message it has (`Last-Event-ID`, which the
//! browser's EventSource sends on its own after a dropped connection, or
//! `?after=`) and is sent exactly the messages after it, in order: each
//! wake-up reads "after the last one sent" from the database, whose ids
//! within a room commit in order (`db::post`).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

use super::{Message, RoomId, db, service};
use crate::account::Viewer;
use crate::account::session::Auth;
use crate::state::AppState;

/// How often an open stream checks that its sign-in still holds.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// One open page's stream.
struct Live {
    state: AppState,
    viewer: Viewer,
    /// The refresh token the page's sign-in rides on.
    token: uuid::Uuid,
    check: tokio::time::Interval,
    room: RoomId,
    /// The newest message the page has.
    last: i64,
    updates: tokio::sync::broadcast::Receiver<Arc<str>>,
    /// What to send next, and whether each is new (else changed).
    ready: VecDeque<(Message, bool)>,
    /// Read the database before waiting (the first time: what was missed).
    catch_up: bool,
}

/// Whether a NOTIFY payload may concern `room` (an empty one, sent when the
/// listener reconnected, may concern every room).
fn concerns(payload: &str, room: RoomId) -> bool {
    payload.is_empty() || serde_json::from_str::<Payload>(payload).map_or(true, |p| p.room == room.0)
}

#[derive(serde::Deserialize)]
struct Payload {
    room: i64,
    message: i64,
}

/// A new message carries its id (the browser says the last one it had when
/// it reconnects); an edited or removed one is an `update`.
fn event(message: &Message, new: bool) -> Event {
    let event = if new {
        Event::default().id(message.id.to_string()).event("message")
    } else {
        Event::default().event("update")
    };
    event.json_data(message).unwrap_or_else(|_| Event::default().comment("unreadable message"))
}

/// `GET /chat/rooms/{id}/events`: the room's messages after the page's last
/// one, then each new one as it is posted. Only for whoever may read the
/// room (others are told it does not exist).
pub async fn events(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(room): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(signed_in) = auth.signed_in() else {
        return crate::error::AppError::Unauthorized.into_response();
    };
    // Another site's page may not open a member's stream with their cookies.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let ours = origin.to_str().is_ok_and(|o| crate::security::same_origin(o, host, &state.config.public_url));
        if !ours {
            return (StatusCode::FORBIDDEN, "Requests from other sites are not accepted.").into_response();
        }
    }
    let viewer = signed_in.viewer;
    let room = RoomId(room);
    if let Err(error) = service::readable(&state, &viewer, room).await {
        return error.into_response();
    }
    let resumed = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let last = resumed.or_else(|| query.get("after").and_then(|v| v.parse().ok())).unwrap_or(0_i64).max(0);
    // Subscribed before the first read: nothing posted in between is missed.
    let updates = state.chat.subscribe(&state.pool, room.0);
    let check = tokio::time::interval_at(tokio::time::Instant::now() + SESSION_CHECK, SESSION_CHECK);
    let token = signed_in.token_id;
    let live = Live { state, viewer, token, room, last, updates, check, ready: VecDeque::new(), catch_up: true };
    let stream = futures_util::stream::unfold(live, |mut live| async move {
        loop {
            if let Some((message, new)) = live.ready.pop_front() {
                if new && message.id <= live.last {
                    continue;
                }
                if new {
                    live.last = message.id;
                }
                return Some((Ok::<_, Infallible>(event(&message, new)), live));
            }
            if !live.catch_up {
                tokio::select! {
                    update = live.updates.recv() => match update {
                        Ok(payload) if !concerns(&payload, live.room) => continue,
                        Ok(payload) => {
                            // An edit or removal of a message the page already has.
                            let changed = serde_json::from_str::<Payload>(&payload).ok().filter(|p| p.message <= live.last);
                            if let Some(changed) = changed {
                                match db::message(&live.state.pool, changed.message, live.viewer.id).await {
                                    Ok(Some(message)) => live.ready.push_back((message, false)),
                                    Ok(None) => {}
                                    Err(error) => {
                                        tracing::warn!(%error, "chat stream could not read a message");
                                        return None;
                                    }
                                }
                                continue;
                            }
                        }
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    },
                    _ = live.check.tick() => {
                        // Signed out (here, or everywhere from another device): the stream ends.
                        match crate::account::db::still_signed_in(&live.state.pool, live.token).await {
                            Ok(true) => continue,
                            Ok(false) => return None,
                            Err(error) => {
                                tracing::warn!(%error, "chat stream could not check its sign-in");
                                return None;
                            }
                        }
                    }
                }
            }
            live.catch_up = false;
            match db::messages_after(&live.state.pool, live.room, live.viewer.id, live.last).await {
                Ok(messages) => live.ready.extend(messages.into_iter().map(|m| (m, true))),
                Err(error) => {
                    // The page reconnects with its last message and misses nothing.
                    tracing::warn!(%error, "chat stream could not read messages");
                    return None;
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
