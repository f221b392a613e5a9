//! The header's counts for a signed-in person, read in one query: a page
//! rendered for them pays one round trip for its header, not four.

use sqlx::PgExecutor;

use super::HeaderCounts;
use crate::account::UserId;

/// Items in `user`'s cart, their unread notifications, and the messages
/// from others in their conversations they have not read.
pub async fn counts(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<HeaderCounts> {
    let row = sqlx::query!(
        r#"SELECT (SELECT COALESCE(sum(i.quantity), 0)::int FROM carts c JOIN cart_items i ON i.cart_id = c.id
                   WHERE c.user_id = $1) AS "cart!",
                  (SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL) AS "unread!",
                  chat_unread($1) AS "messages!""#,
        user.0
    )
    .fetch_one(db)
    .await?;
    Ok(HeaderCounts { cart: row.cart, unread: row.unread, messages: row.messages })
}
