//! The audit log's writer (server only), shared by every feature that
//! changes what staff are accountable for: admin edits, order transitions,
//! review moderation. Each entry is written in the change's own transaction.
//! Reading the log is the admin area's (`admin::db::audit_log`).

use serde_json::Value;
use sqlx::PgConnection;

use crate::account::UserId;

/// One audit-log row, built then written in the change's transaction.
#[derive(Debug, Clone)]
pub struct Audit {
    actor: UserId,
    action: String,
    entity: &'static str,
    entity_id: String,
    summary: String,
    before: Option<Value>,
    after: Option<Value>,
}

impl Audit {
    /// `action` is `entity.verb`, e.g. `product.update`.
    pub fn new(actor: UserId, action: &str, entity: &'static str, entity_id: impl ToString) -> Self {
        Audit {
            actor,
            action: action.to_owned(),
            entity,
            entity_id: entity_id.to_string(),
            summary: String::new(),
            before: None,
            after: None,
        }
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// The fields before and after; fields that did not change are dropped.
    pub fn change(mut self, before: Value, after: Value) -> Self {
        let (before, after) = changed_fields(before, after);
        self.before = before;
        self.after = after;
        self
    }

    pub async fn write(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        sqlx::query!(
            "INSERT INTO audit_log (actor_id, action, entity, entity_id, summary, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            self.actor.0,
            self.action,
            self.entity,
            self.entity_id,
            self.summary,
            self.before,
            self.after
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Keeps only the keys whose values differ (objects), or both values as they are.
fn changed_fields(before: Value, after: Value) -> (Option<Value>, Option<Value>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
            let (mut kb, mut ka) = (serde_json::Map::new(), serde_json::Map::new());
            for key in keys {
                let (vb, va) =
                    (b.get(&key).cloned().unwrap_or(Value::Null), a.get(&key).cloned().unwrap_or(Value::Null));
                if vb != va {
                    kb.insert(key.clone(), vb);
                    ka.insert(key, va);
                }
            }
            (Some(Value::Object(kb)), Some(Value::Object(ka)))
        }
        (Value::Null, a) => (None, Some(a)),
        (b, Value::Null) => (Some(b), None),
        (b, a) => (Some(b), Some(a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_kept() {
        let (before, after) = changed_fields(json!({"a": 1, "b": 2}), json!({"a": 1, "b": 3}));
        assert_eq!(before, Some(json!({"b": 2})));
        assert_eq!(after, Some(json!({"b": 3})));
        assert_eq!(changed_fields(Value::Null, json!({"a": 1})), (None, Some(json!({"a": 1}))));
    }
}
