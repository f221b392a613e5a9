//! Chat server functions: a shopper's conversations, staff's inbox. Each
//! checks who is asking (`service::readable` for a room).

use leptos::prelude::*;

use super::{Conversation, RoomSummary};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{InboxFilter, RoomId, service},
    crate::account::Role,
    crate::account::guard::{require_role, require_user},
    crate::state::AppState,
};

/// The signed-in shopper's conversations, newest activity first.
#[server(prefix = "/api", endpoint = "chat/mine")]
pub async fn get_my_conversations() -> Result<Vec<RoomSummary>, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(super::db::rooms(&state.pool, viewer.id, false, InboxFilter::Open).await?)
}

/// Starts a conversation with a question; its page opens next.
#[server(prefix = "/api", endpoint = "chat/start")]
pub async fn start_conversation(subject: String, text: String) -> Result<i64, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let room = service::start(&state, &viewer, &subject, &text).await?;
    leptos_axum::redirect(&format!("/messages/{}", room.0));
    Ok(room.0)
}

/// "Ask about this order": its open conversation, or a new one; it opens next.
#[server(prefix = "/api", endpoint = "chat/about_order")]
pub async fn ask_about_order(number: i64) -> Result<i64, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let room = service::about_order(&state, &viewer, crate::orders::OrderNumber(number)).await?;
    leptos_axum::redirect(&format!("/messages/{}", room.0));
    Ok(room.0)
}

/// A conversation's newest messages (or those before `before`), read now.
#[server(prefix = "/api", endpoint = "chat/conversation")]
pub async fn get_conversation(room: i64, before: Option<i64>) -> Result<Conversation, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::conversation(&state, &viewer, RoomId(room), before).await
}

/// Posts a message; answers its id.
#[server(prefix = "/api", endpoint = "chat/post")]
pub async fn post_message(room: i64, text: String) -> Result<i64, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::post(&state, &viewer, RoomId(room), &text).await
}

/// The page saw messages up to `upto` arrive live.
#[server(prefix = "/api", endpoint = "chat/read")]
pub async fn mark_read(room: i64, upto: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::readable(&state, &viewer, RoomId(room)).await?;
    Ok(super::db::mark_read(&state.pool, RoomId(room), viewer.id, upto).await?)
}

/// Staff's inbox under a filter (`open`, `unread`, `unassigned`, `mine`, `closed`).
#[server(prefix = "/api", endpoint = "chat/inbox")]
pub async fn get_inbox(filter: Option<String>) -> Result<Vec<RoomSummary>, AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let filter = filter.as_deref().and_then(InboxFilter::from_param).unwrap_or_default();
    Ok(super::db::rooms(&state.pool, viewer.id, true, filter).await?)
}

/// Staff join a conversation.
#[server(prefix = "/api", endpoint = "chat/join")]
pub async fn join_conversation(room: i64) -> Result<(), AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    service::join(&state, &viewer, RoomId(room)).await
}

/// Staff give a conversation to a staff member (`to`, their id) to look
/// after, or to nobody (`to` empty).
#[server(prefix = "/api", endpoint = "chat/assign")]
pub async fn assign_conversation(room: i64, to: String) -> Result<(), AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let to = match to.trim() {
        "" => None,
        id => Some(crate::account::UserId(id.parse().map_err(|_| AppError::field("to", "Choose a member of staff."))?)),
    };
    service::assign(&state, &viewer, RoomId(room), to).await
}

/// Staff close (`closed` on) or reopen a conversation.
#[server(prefix = "/api", endpoint = "chat/close")]
pub async fn close_conversation(room: i64, closed: bool) -> Result<(), AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    service::set_closed(&state, &viewer, RoomId(room), closed).await
}

/// Edits one of the viewer's own messages (within 15 minutes of sending it).
#[server(prefix = "/api", endpoint = "chat/edit")]
pub async fn edit_message(message: i64, text: String) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::edit(&state, &viewer, message, &text).await
}

/// Removes a message: one's own, or as staff any, saying why.
#[server(prefix = "/api", endpoint = "chat/remove")]
pub async fn remove_message(message: i64, reason: Option<String>) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    service::remove(&state, &viewer, message, reason.as_deref()).await
}
