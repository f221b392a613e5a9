//! The chat's SQL.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{InboxFilter, Member, Message, RoomId, RoomSummary};
use crate::account::{Role, UserId};

/// Messages per page of a conversation.
pub const PAGE_SIZE: i64 = 50;

/// What access checks need of a room.
#[derive(Debug, Clone)]
pub struct RoomRow {
    pub id: RoomId,
    pub customer: UserId,
    pub closed: bool,
    /// The staff member looking after it.
    pub assigned: Option<UserId>,
    /// Its newest change's revision.
    pub revision: i64,
}

pub async fn room(db: impl PgExecutor<'_>, room: RoomId) -> sqlx::Result<Option<RoomRow>> {
    let row = sqlx::query!(
        r#"SELECT id, customer_id, closed_at IS NOT NULL AS "closed!", assigned_to, revision
           FROM chat_rooms WHERE id = $1"#,
        room.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| RoomRow {
        id: RoomId(r.id),
        customer: UserId(r.customer_id),
        closed: r.closed,
        assigned: r.assigned_to.map(UserId),
        revision: r.revision,
    }))
}

/// Makes a room for `customer`, who becomes its first member.
pub async fn create_room(
    conn: &mut PgConnection,
    customer: UserId,
    subject: &str,
    order: Option<Uuid>,
) -> sqlx::Result<RoomId> {
    let id = sqlx::query_scalar!(
        "INSERT INTO chat_rooms (kind, subject, customer_id, order_id)
         VALUES (CASE WHEN $3::uuid IS NULL THEN 'HELP' ELSE 'ORDER' END::chat_room_kind, $1, $2, $3)
         RETURNING id",
        subject,
        customer.0,
        order
    )
    .fetch_one(&mut *conn)
    .await?;
    add_member(&mut *conn, RoomId(id), customer).await?;
    Ok(RoomId(id))
}

/// The open room about an order, if there is one.
pub async fn open_room_for_order(db: impl PgExecutor<'_>, order: Uuid) -> sqlx::Result<Option<RoomId>> {
    let id = sqlx::query_scalar!("SELECT id FROM chat_rooms WHERE order_id = $1 AND closed_at IS NULL", order)
        .fetch_optional(db)
        .await?;
    Ok(id.map(RoomId))
}

/// Makes `user` a member (kept if they are one).
/// Makes `user` a member of `room`; when they were not, the room's open
/// pages are told (they show who is in it).
pub async fn add_member(db: impl PgExecutor<'_>, room: RoomId, user: UserId) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH added AS (
             INSERT INTO chat_members (room_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING room_id
         )
         SELECT pg_notify('chat', json_build_object('to', 'r' || room_id, 'read', true)::text) FROM added",
        room.0,
        user.0
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_member(db: impl PgExecutor<'_>, room: RoomId, user: UserId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM chat_members WHERE room_id = $1 AND user_id = $2) AS "member!""#,
        room.0,
        user.0
    )
    .fetch_one(db)
    .await
}

/// Posts `body` in an open room as `author`, who has read everything up to
/// it; answers its id, or `None` when the room is closed. The room's row is
/// locked first (it gives the message the room's next revision), so a
/// room's changes commit in the order of their revisions.
pub async fn post(conn: &mut PgConnection, room: RoomId, author: UserId, body: &str) -> sqlx::Result<Option<i64>> {
    let revision = sqlx::query_scalar!(
        "UPDATE chat_rooms SET last_activity_at = now(), revision = revision + 1
         WHERE id = $1 AND closed_at IS NULL RETURNING revision",
        room.0
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(revision) = revision else { return Ok(None) };
    let id = sqlx::query_scalar!(
        "INSERT INTO chat_messages (room_id, author_id, body, revision) VALUES ($1, $2, $3, $4) RETURNING id",
        room.0,
        author.0,
        body,
        revision
    )
    .fetch_one(&mut *conn)
    .await?;
    // The message first: its pages read it at once; read state can wait.
    announce(&mut *conn, room, Unread::Changed { except: Some(author) }).await?;
    mark_read(&mut *conn, room, author, id).await?;
    Ok(Some(id))
}

/// Whether a change in a room may change its members' unread counts.
#[derive(Debug, Clone, Copy)]
pub enum Unread {
    /// An edit: the same messages, another text.
    Same,
    /// A message posted or removed; `except` (its author) is not told.
    Changed { except: Option<UserId> },
}

/// NOTIFY `chat` (sent when the transaction commits) that `room`'s messages
/// changed, to its open pages (`{"to": "r<room>"}`); and when `unread`
/// counts may have changed, to its members (`"p<user>"`) and to staff,
/// whose inbox shows them (`"staff"`).
pub async fn announce(db: impl PgExecutor<'_>, room: RoomId, unread: Unread) -> sqlx::Result<()> {
    let (counted, except) = match unread {
        Unread::Same => (false, None),
        Unread::Changed { except } => (true, except.map(|u| u.0)),
    };
    sqlx::query!(
        "SELECT pg_notify('chat', payload) FROM (
             SELECT json_build_object('to', 'r' || $1::int8)::text AS payload
             UNION ALL
             SELECT json_build_object('to', 'p' || user_id)::text FROM chat_members
             WHERE $2 AND room_id = $1 AND user_id IS DISTINCT FROM $3::uuid
             UNION ALL
             SELECT '{\"to\": \"staff\"}' WHERE $2
         ) AS notices",
        room.0,
        counted,
        except
    )
    .execute(db)
    .await?;
    Ok(())
}

/// NOTIFY `chat` that staff's inbox changed (a room was assigned, closed or
/// reopened), and `person`'s unread count may have.
pub async fn announce_inbox(db: impl PgExecutor<'_>, person: Option<UserId>) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_notify('chat', payload) FROM (
             SELECT '{\"to\": \"staff\"}' AS payload
             UNION ALL
             SELECT json_build_object('to', 'p' || $1::uuid)::text WHERE $1::uuid IS NOT NULL
         ) AS notices",
        person.map(|u| u.0)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `user` has seen every message up to `upto` (never moves back). When it
/// moved, the room's open pages (which show who has read what) and the
/// person's own (their unread count) are told.
pub async fn mark_read(db: impl PgExecutor<'_>, room: RoomId, user: UserId, upto: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH moved AS (
             UPDATE chat_members SET last_read_id = $3
             WHERE room_id = $1 AND user_id = $2 AND last_read_id < $3
             RETURNING room_id, user_id
         )
         SELECT pg_notify('chat', json_build_object('to', 'r' || room_id, 'read', true)::text),
                pg_notify('chat', json_build_object('to', 'p' || user_id)::text)
         FROM moved",
        room.0,
        user.0,
        upto
    )
    .execute(db)
    .await?;
    Ok(())
}

struct MessageRow {
    id: i64,
    author_id: Uuid,
    author: String,
    author_role: Role,
    body: String,
    created_at: chrono::DateTime<chrono::Utc>,
    edited: bool,
    removed_at: Option<chrono::DateTime<chrono::Utc>>,
    removed_by_staff: bool,
    removed_reason: Option<String>,
    /// The room's revision its latest change took.
    revision: i64,
}

impl MessageRow {
    fn seen_by(self, viewer: UserId) -> Message {
        let removed = self.removed_at.map(|_| match (&self.removed_reason, self.removed_by_staff) {
            (Some(reason), true) => format!("Removed by staff: {reason}"),
            (None, true) => "Removed by staff".to_owned(),
            _ => "Removed by its author".to_owned(),
        });
        Message {
            id: self.id,
            author: self.author,
            staff: self.author_role != Role::Member,
            mine: self.author_id == viewer.0,
            body: if removed.is_some() { String::new() } else { self.body },
            removed,
            edited: self.edited,
            at: self.created_at.into(),
        }
    }
}

/// Up to `PAGE_SIZE` messages of a room before `before` (the newest when
/// `None`), oldest first, and whether older ones exist.
pub async fn messages(
    db: impl PgExecutor<'_>,
    room: RoomId,
    viewer: UserId,
    before: Option<i64>,
) -> sqlx::Result<(Vec<Message>, bool)> {
    let rows = sqlx::query_as!(
        MessageRow,
        r#"SELECT m.id, m.author_id, u.first_name AS author, u.role AS "author_role: Role", m.body, m.created_at,
                  m.edited_at IS NOT NULL AS "edited!", m.removed_at,
                  m.removed_by IS DISTINCT FROM m.author_id AND m.removed_by IS NOT NULL AS "removed_by_staff!",
                  m.removed_reason, m.revision
           FROM chat_messages m JOIN users u ON u.id = m.author_id
           WHERE m.room_id = $1 AND ($2::int8 IS NULL OR m.id < $2)
           ORDER BY m.id DESC LIMIT $3"#,
        room.0,
        before,
        PAGE_SIZE + 1
    )
    .fetch_all(db)
    .await?;
    let (mut rows, older) = crate::db::one_page(rows, PAGE_SIZE);
    rows.reverse();
    Ok((rows.into_iter().map(|r| r.seen_by(viewer)).collect(), older))
}

/// The messages of a room posted, edited or removed after revision `since`,
/// in the order of their changes, each with the revision its latest change
/// took: what a page that has seen `since` is missing.
pub async fn changed_since(
    db: impl PgExecutor<'_>,
    room: RoomId,
    viewer: UserId,
    since: i64,
) -> sqlx::Result<Vec<(i64, Message)>> {
    let rows = sqlx::query_as!(
        MessageRow,
        r#"SELECT m.id, m.author_id, u.first_name AS author, u.role AS "author_role: Role", m.body, m.created_at,
                  m.edited_at IS NOT NULL AS "edited!", m.removed_at,
                  m.removed_by IS DISTINCT FROM m.author_id AND m.removed_by IS NOT NULL AS "removed_by_staff!",
                  m.removed_reason, m.revision
           FROM chat_messages m JOIN users u ON u.id = m.author_id
           WHERE m.room_id = $1 AND m.revision > $2
           ORDER BY m.revision LIMIT 500"#,
        room.0,
        since
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.revision, r.seen_by(viewer))).collect())
}

pub async fn members(db: impl PgExecutor<'_>, room: RoomId, viewer: UserId) -> sqlx::Result<Vec<Member>> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.first_name, u.last_name, u.role AS "role: Role", r.customer_id = u.id AS "customer!",
                  m.last_read_id
           FROM chat_members m JOIN users u ON u.id = m.user_id JOIN chat_rooms r ON r.id = m.room_id
           WHERE m.room_id = $1 ORDER BY m.joined_at"#,
        room.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            name: format!("{} {}", r.first_name, r.last_name).trim().to_owned(),
            role: if r.customer { "Customer".to_owned() } else { r.role.label().to_owned() },
            you: r.id == viewer.0,
            read_up_to: r.last_read_id,
        })
        .collect())
}

/// Conversations as `viewer` lists them: a shopper's own (all of them), or
/// for staff the inbox under `filter`; newest activity first, with the
/// messages from others they have not read.
pub async fn rooms(
    db: impl PgExecutor<'_>,
    viewer: UserId,
    staff: bool,
    filter: InboxFilter,
) -> sqlx::Result<Vec<RoomSummary>> {
    listed(db, viewer, staff, filter, None).await
}

/// One room as `viewer` lists it (whoever they are: access is checked by
/// the caller).
pub async fn room_summary(db: impl PgExecutor<'_>, room: RoomId, viewer: UserId) -> sqlx::Result<Option<RoomSummary>> {
    Ok(listed(db, viewer, false, InboxFilter::Open, Some(room)).await?.pop())
}

async fn listed(
    db: impl PgExecutor<'_>,
    viewer: UserId,
    staff: bool,
    filter: InboxFilter,
    only: Option<RoomId>,
) -> sqlx::Result<Vec<RoomSummary>> {
    let rows = sqlx::query!(
        r#"SELECT r.id, r.subject, r.last_activity_at, r.closed_at IS NOT NULL AS "closed!",
                  c.first_name || ' ' || c.last_name AS "customer!", o.number AS "order?",
                  a.first_name AS "assigned?",
                  (SELECT count(*) FROM chat_messages m
                   WHERE m.room_id = r.id AND m.author_id <> $1 AND m.removed_at IS NULL
                     AND m.id > COALESCE((SELECT last_read_id FROM chat_members
                                          WHERE room_id = r.id AND user_id = $1), 0)) AS "unread!"
           FROM chat_rooms r
           JOIN users c ON c.id = r.customer_id
           LEFT JOIN orders o ON o.id = r.order_id
           LEFT JOIN users a ON a.id = r.assigned_to
           WHERE CASE WHEN $4::int8 IS NOT NULL THEN r.id = $4
                      WHEN NOT $2 THEN r.customer_id = $1
                      WHEN $3 = 'closed' THEN r.closed_at IS NOT NULL
                      ELSE r.closed_at IS NULL
                           AND ($3 <> 'unassigned' OR r.assigned_to IS NULL)
                           AND ($3 <> 'mine' OR r.assigned_to = $1)
                 END
           ORDER BY r.last_activity_at DESC
           LIMIT 200"#,
        viewer.0,
        staff,
        filter.param(),
        only.map(|r| r.0)
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoomSummary {
            id: RoomId(r.id),
            subject: r.subject,
            customer: r.customer,
            order: r.order,
            last_activity: r.last_activity_at.into(),
            unread: r.unread,
            closed: r.closed,
            assigned_to: r.assigned,
        })
        .filter(|room| filter != InboxFilter::Unread || room.unread > 0)
        .collect())
}

/// Messages from others in a shopper's conversations that they have not
/// read, for the header.
pub async fn unread_total(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT chat_unread($1) AS "n!""#, user.0).fetch_one(db).await
}

/// Closes (or reopens) a room; answers whether it exists.
pub async fn set_closed(db: impl PgExecutor<'_>, room: RoomId, by: UserId, closed: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE chat_rooms SET closed_at = CASE WHEN $3 THEN now() END, closed_by = CASE WHEN $3 THEN $2::uuid END,
                last_activity_at = now()
         WHERE id = $1",
        room.0,
        by.0,
        closed
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a room to a staff member to look after, when nobody does.
pub async fn assign_if_unassigned(db: impl PgExecutor<'_>, room: RoomId, to: UserId) -> sqlx::Result<()> {
    sqlx::query!("UPDATE chat_rooms SET assigned_to = $2 WHERE id = $1 AND assigned_to IS NULL", room.0, to.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Gives a room to `to` to look after (`None`: nobody); answers whether the
/// room exists.
pub async fn assign(db: impl PgExecutor<'_>, room: RoomId, to: Option<UserId>) -> sqlx::Result<bool> {
    let done = sqlx::query!("UPDATE chat_rooms SET assigned_to = $2 WHERE id = $1", room.0, to.map(|u| u.0))
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The staff (moderators and admins, not disabled) a room can be given to,
/// as (id, name) by name.
pub async fn staff(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(UserId, String)>> {
    let rows = sqlx::query!(
        r#"SELECT id, first_name || ' ' || last_name AS "name!" FROM users
           WHERE role IN ('MODERATOR', 'ADMIN') AND disabled_at IS NULL
           ORDER BY first_name, last_name LIMIT 500"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (UserId(r.id), r.name)).collect())
}

/// Replaces the text of `author`'s own message, while it is at most
/// `minutes` old and not removed; answers its room when it was. The edit
/// takes the room's next revision (its row locked, as for a post).
pub async fn edit(
    conn: &mut PgConnection,
    message: i64,
    author: UserId,
    body: &str,
    minutes: i32,
) -> sqlx::Result<Option<RoomId>> {
    let room = sqlx::query_scalar!(
        "WITH room AS (
             UPDATE chat_rooms SET revision = revision + 1
             WHERE id = (SELECT room_id FROM chat_messages WHERE id = $1) RETURNING id, revision
         )
         UPDATE chat_messages m SET body = $3, edited_at = now(), revision = room.revision
         FROM room
         WHERE m.id = $1 AND m.author_id = $2 AND m.removed_at IS NULL
           AND m.created_at > now() - make_interval(mins => $4)
         RETURNING m.room_id",
        message,
        author.0,
        body,
        minutes
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(room) = room {
        announce(&mut *conn, RoomId(room), Unread::Same).await?;
    }
    Ok(room.map(RoomId))
}

/// A message's room and author, for the checks before changing it.
pub async fn message_owner(db: impl PgExecutor<'_>, message: i64) -> sqlx::Result<Option<(RoomId, UserId)>> {
    let row =
        sqlx::query!("SELECT room_id, author_id FROM chat_messages WHERE id = $1 AND removed_at IS NULL", message)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| (RoomId(r.room_id), UserId(r.author_id))))
}

/// Removes a message (its place stays, saying by whom and why), as the
/// room's next revision.
pub async fn remove(conn: &mut PgConnection, message: i64, by: UserId, reason: Option<&str>) -> sqlx::Result<bool> {
    let room = sqlx::query_scalar!(
        "WITH room AS (
             UPDATE chat_rooms SET revision = revision + 1
             WHERE id = (SELECT room_id FROM chat_messages WHERE id = $1) RETURNING id, revision
         )
         UPDATE chat_messages m SET removed_at = now(), removed_by = $2, removed_reason = $3, revision = room.revision
         FROM room
         WHERE m.id = $1 AND m.removed_at IS NULL
         RETURNING m.room_id",
        message,
        by.0,
        reason
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(room) = room {
        announce(&mut *conn, RoomId(room), Unread::Changed { except: None }).await?;
    }
    Ok(room.is_some())
}

/// A shopper to email about answers they left unread.
pub struct Reminder {
    pub room: RoomId,
    pub user: UserId,
    pub subject: String,
    /// The newest unread answer.
    pub upto: i64,
}

/// Shoppers whose oldest unread answer from staff (not yet emailed about)
/// is older than `minutes`, locked (`SKIP LOCKED`: several instances never
/// take the same one) in `conn`'s transaction.
pub async fn due_reminders(conn: &mut PgConnection, minutes: i32) -> sqlx::Result<Vec<Reminder>> {
    let rows = sqlx::query!(
        r#"SELECT mb.room_id, mb.user_id, r.subject,
                  (SELECT max(m.id) FROM chat_messages m
                   WHERE m.room_id = mb.room_id AND m.author_id <> mb.user_id AND m.removed_at IS NULL) AS "upto!"
           FROM chat_members mb JOIN chat_rooms r ON r.id = mb.room_id AND r.customer_id = mb.user_id
           WHERE EXISTS (SELECT 1 FROM chat_messages m
                         WHERE m.room_id = mb.room_id AND m.author_id <> mb.user_id AND m.removed_at IS NULL
                           AND m.id > greatest(mb.last_read_id, mb.emailed_up_to)
                           AND m.created_at < now() - make_interval(mins => $1))
           ORDER BY mb.room_id
           LIMIT 100
           FOR UPDATE OF mb SKIP LOCKED"#,
        minutes
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Reminder { room: RoomId(r.room_id), user: UserId(r.user_id), subject: r.subject, upto: r.upto })
        .collect())
}

/// Records that `user` was emailed about answers up to `upto`.
pub async fn emailed(db: impl PgExecutor<'_>, room: RoomId, user: UserId, upto: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE chat_members SET emailed_up_to = greatest(emailed_up_to, $3) WHERE room_id = $1 AND user_id = $2",
        room.0,
        user.0,
        upto
    )
    .execute(db)
    .await?;
    Ok(())
}
