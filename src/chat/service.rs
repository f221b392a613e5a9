//! The chat's operations (server only): who may read and post where, and
//! posting with its limits. What the pages' server functions, the plain
//! forms and the live stream all call.

use super::db::{self, RoomRow};
use super::{Conversation, RoomId, StaffMember, rules};
use crate::account::{Role, UserId, Viewer};
use crate::error::AppError;
use crate::security::Limit;
use crate::state::AppState;

/// Messages one person may post a minute (`TROVE_CHAT_RATE`).
fn posts(state: &AppState) -> Limit {
    Limit { name: "chat:post", max: i32::try_from(state.config.chat_rate).unwrap_or(i32::MAX), window_secs: 60 }
}

fn is_staff(viewer: &Viewer) -> bool {
    viewer.role.includes(Role::Moderator)
}

/// The room, when `viewer` may read it: its shopper, a member, or staff.
/// Anyone else is told it does not exist.
pub async fn readable(state: &AppState, viewer: &Viewer, room: RoomId) -> Result<RoomRow, AppError> {
    let found = db::room(&state.pool, room).await?.ok_or(AppError::NotFound)?;
    if found.customer == viewer.id || is_staff(viewer) || db::is_member(&state.pool, room, viewer.id).await? {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// A shopper starts a conversation with a question; answers its room.
pub async fn start(state: &AppState, viewer: &Viewer, subject: &str, text: &str) -> Result<RoomId, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let subject = rules::check_subject(subject).map_err(|e| errors.insert("subject".into(), e)).ok();
    let text = rules::check_message(text).map_err(|e| errors.insert("text".into(), e)).ok();
    let (Some(subject), Some(text)) = (subject, text) else { return Err(AppError::Validation(errors)) };
    state.limits.take(&posts(state), &viewer.id.0.to_string())?;
    let mut tx = state.pool.begin().await?;
    let room = db::create_room(&mut tx, viewer.id, &subject, None).await?;
    db::post(&mut tx, room, viewer.id, &text).await?;
    tx.commit().await?;
    Ok(room)
}

/// "Ask about this order": the order's open conversation, or a new one.
pub async fn about_order(
    state: &AppState,
    viewer: &Viewer,
    number: crate::orders::OrderNumber,
) -> Result<RoomId, AppError> {
    let mut tx = state.pool.begin().await?;
    let (order, _) = crate::orders::db::detail(&mut tx, Some(viewer.id), number).await?.ok_or(AppError::NotFound)?;
    if let Some(room) = db::open_room_for_order(&mut *tx, order).await? {
        return Ok(room);
    }
    let room = db::create_room(&mut tx, viewer.id, &format!("Order #{}", number.0), Some(order)).await;
    match room {
        Ok(room) => {
            tx.commit().await?;
            Ok(room)
        }
        // Another click made it first: that one is the order's conversation.
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("chat_rooms_open_order_key") => {
            drop(tx);
            db::open_room_for_order(&state.pool, order).await?.ok_or(AppError::Internal)
        }
        Err(error) => Err(error.into()),
    }
}

/// Posts `text` in a room `viewer` may read (staff join it by answering).
pub async fn post(state: &AppState, viewer: &Viewer, room: RoomId, text: &str) -> Result<i64, AppError> {
    let found = readable(state, viewer, room).await?;
    let text = rules::check_message(text).map_err(|e| AppError::field("text", e))?;
    if found.closed {
        return Err(AppError::BadRequest("This conversation is closed. Start a new one from Help.".into()));
    }
    state.limits.take(&posts(state), &viewer.id.0.to_string()).map_err(|_| {
        AppError::TooManyRequests(format!(
            "You have sent {} messages in the last minute. Please wait a moment.",
            state.config.chat_rate
        ))
    })?;
    let mut tx = state.pool.begin().await?;
    db::add_member(&mut *tx, room, viewer.id).await?;
    let id = db::post(&mut tx, room, viewer.id, &text).await?;
    tx.commit().await?;
    id.ok_or_else(|| AppError::BadRequest("This conversation is closed. Start a new one from Help.".into()))
}

/// A conversation's page: the newest messages (or those before `before`),
/// which `viewer` has now read.
pub async fn conversation(
    state: &AppState,
    viewer: &Viewer,
    room: RoomId,
    before: Option<i64>,
) -> Result<Conversation, AppError> {
    let found = readable(state, viewer, room).await?;
    let staff_view = is_staff(viewer);
    let (messages, older) = db::messages(&state.pool, room, viewer.id, before).await?;
    let member = db::is_member(&state.pool, room, viewer.id).await?;
    if let (true, Some(last)) = (member, messages.last()) {
        db::mark_read(&state.pool, room, viewer.id, last.id).await?;
    }
    let summary = db::room_summary(&state.pool, room, viewer.id).await?.ok_or(AppError::NotFound)?;
    let recent_orders = if staff_view {
        crate::orders::db::history(&state.pool, found.customer, 1).await?.orders.into_iter().take(5).collect()
    } else {
        Vec::new()
    };
    let staff = if staff_view {
        let staff = db::staff(&state.pool).await?;
        staff.into_iter().map(|(id, name)| StaffMember { id: id.0.to_string(), name }).collect()
    } else {
        Vec::new()
    };
    Ok(Conversation {
        earlier: older.then(|| messages.first().map(|m| m.id)).flatten(),
        room: summary,
        members: db::members(&state.pool, room, viewer.id).await?,
        messages,
        staff_view,
        member,
        recent_orders,
        staff,
        assigned: found.assigned.filter(|_| staff_view).map(|u| u.0.to_string()),
        // Read before the messages: a change in between is sent again, never missed.
        revision: found.revision,
    })
}

/// Staff join a conversation (and look after it when nobody does).
pub async fn join(state: &AppState, viewer: &Viewer, room: RoomId) -> Result<(), AppError> {
    if !is_staff(viewer) {
        return Err(AppError::Forbidden);
    }
    readable(state, viewer, room).await?;
    let mut tx = state.pool.begin().await?;
    db::add_member(&mut *tx, room, viewer.id).await?;
    db::assign_if_unassigned(&mut *tx, room, viewer.id).await?;
    db::announce_inbox(&mut *tx, Some(viewer.id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff give a conversation to a staff member to look after (who joins
/// it), or to nobody (`None`).
pub async fn assign(state: &AppState, viewer: &Viewer, room: RoomId, to: Option<UserId>) -> Result<(), AppError> {
    if !is_staff(viewer) {
        return Err(AppError::Forbidden);
    }
    readable(state, viewer, room).await?;
    if let Some(to) = to
        && !crate::account::db::viewer(&state.pool, to).await?.is_some_and(|v| is_staff(&v))
    {
        return Err(AppError::field("to", "Choose a member of staff."));
    }
    let mut tx = state.pool.begin().await?;
    if let Some(to) = to {
        db::add_member(&mut *tx, room, to).await?;
    }
    db::assign(&mut *tx, room, to).await?;
    db::announce_inbox(&mut *tx, to).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff close or reopen a conversation.
pub async fn set_closed(state: &AppState, viewer: &Viewer, room: RoomId, closed: bool) -> Result<(), AppError> {
    if !is_staff(viewer) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.pool.begin().await?;
    if !db::set_closed(&mut *tx, room, viewer.id, closed).await? {
        return Err(AppError::NotFound);
    }
    db::announce_inbox(&mut *tx, None).await?;
    tx.commit().await?;
    Ok(())
}

/// A shopper's unread messages, for the header.
pub async fn unread(state: &AppState, user: UserId) -> Result<i64, AppError> {
    Ok(db::unread_total(&state.pool, user).await?)
}

/// An author edits their own message, within `rules::EDIT_MINUTES` of posting it.
pub async fn edit(state: &AppState, viewer: &Viewer, message: i64, text: &str) -> Result<(), AppError> {
    let (room, author) = db::message_owner(&state.pool, message).await?.ok_or(AppError::NotFound)?;
    readable(state, viewer, room).await?;
    if author != viewer.id {
        return Err(AppError::Forbidden);
    }
    let text = rules::check_message(text).map_err(|e| AppError::field("text", e))?;
    let mut tx = state.pool.begin().await?;
    if db::edit(&mut tx, message, viewer.id, &text, rules::EDIT_MINUTES).await?.is_none() {
        return Err(AppError::BadRequest(format!(
            "A message can be edited for {} minutes after it was sent.",
            rules::EDIT_MINUTES
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// An author removes their own message; staff remove any, with a reason,
/// which the audit log keeps.
pub async fn remove(state: &AppState, viewer: &Viewer, message: i64, reason: Option<&str>) -> Result<(), AppError> {
    let (room, author) = db::message_owner(&state.pool, message).await?.ok_or(AppError::NotFound)?;
    readable(state, viewer, room).await?;
    let mut tx = state.pool.begin().await?;
    if author == viewer.id {
        db::remove(&mut tx, message, viewer.id, None).await?;
    } else if is_staff(viewer) {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| AppError::field("reason", "Say why it is removed: the conversation shows it."))?;
        if reason.chars().count() > rules::MAX_REASON {
            return Err(AppError::field("reason", format!("Keep the reason to {} characters.", rules::MAX_REASON)));
        }
        db::remove(&mut tx, message, viewer.id, Some(reason)).await?;
        crate::audit::Audit::new(viewer.id, "chat_message.remove", "chat_message", message)
            .summary(format!("Removed a message in conversation {}: {reason}", room.0))
            .write(&mut tx)
            .await?;
    } else {
        return Err(AppError::Forbidden);
    }
    tx.commit().await?;
    Ok(())
}

/// Minutes an answer may stay unread before its shopper is emailed.
pub const REMIND_AFTER_MINUTES: i32 = 10;

/// Emails each shopper who left answers unread for `REMIND_AFTER_MINUTES`:
/// one email (through the outbox) per conversation for the answers so far,
/// with a link to it; answers after that make another only once they too
/// are left unread. Answers how many were queued.
pub async fn email_unread_answers(state: &AppState) -> Result<usize, AppError> {
    let mut tx = state.pool.begin().await?;
    let due = db::due_reminders(&mut tx, REMIND_AFTER_MINUTES).await?;
    for reminder in &due {
        db::emailed(&mut *tx, reminder.room, reminder.user, reminder.upto).await?;
        let Some(email) = crate::account::db::primary_email(&mut *tx, reminder.user).await? else { continue };
        let body = format!(
            "You have an answer from our team about \"{}\".\n\nRead it and reply: {}/messages/{}\n",
            reminder.subject, state.config.public_url, reminder.room.0
        );
        crate::mail::enqueue(&mut tx, &email, &format!("An answer about \"{}\"", reminder.subject), &body).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Every minute: emails shoppers about answers they left unread.
pub fn spawn_reminders(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match email_unread_answers(&state).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "emailed shoppers about unread answers"),
                Err(error) => tracing::warn!(%error, "chat reminders failed"),
            }
        }
    });
}
