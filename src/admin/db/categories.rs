//! Categories: listing with their product counts, writes, deletion with a move.

use super::*;

pub async fn categories(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CategoryRow>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.name, c.slug, c.description,
                  (SELECT count(*) FROM products p WHERE p.category_id = c.id) AS "products!"
           FROM categories c ORDER BY lower(c.name)"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CategoryRow { id: r.id, name: r.name, slug: r.slug, description: r.description, products: r.products })
        .collect())
}

const CATEGORY_CONSTRAINTS: &[ConstraintField] = &[
    ("categories_name_key", "name", "Another category already has this name."),
    ("categories_slug_key", "name", "Another category already has this name."),
];

fn category_conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, CATEGORY_CONSTRAINTS)
}

pub async fn create_category(
    conn: &mut PgConnection,
    name: &str,
    slug: &str,
    description: &str,
) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "INSERT INTO categories (name, slug, description) VALUES ($1, $2, $3) RETURNING id",
        name,
        slug,
        description
    )
    .fetch_one(conn)
    .await
    .map_err(category_conflict)
}

/// Renames (the slug follows the name) and describes a category; returns the
/// old name and description.
pub async fn update_category(
    conn: &mut PgConnection,
    id: i64,
    name: &str,
    slug: &str,
    description: &str,
) -> Result<Option<(String, String)>, AppError> {
    let before = sqlx::query!("SELECT name, description FROM categories WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(before) = before else { return Ok(None) };
    sqlx::query!(
        "UPDATE categories SET name = $2, slug = $3, description = $4, updated_at = now() WHERE id = $1",
        id,
        name,
        slug,
        description
    )
    .execute(conn)
    .await
    .map_err(category_conflict)?;
    Ok(Some((before.name, before.description)))
}

/// Deletes a category, first moving its products to `move_to` when given.
/// Refused while products still use it.
pub async fn delete_category(
    conn: &mut PgConnection,
    id: i64,
    move_to: Option<i64>,
) -> Result<Option<String>, AppError> {
    let name = sqlx::query_scalar!("SELECT name FROM categories WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(name) = name else { return Ok(None) };
    if let Some(target) = move_to {
        if target == id {
            return Err(AppError::field("move_to", "Choose a different category to move the products to."));
        }
        let exists =
            sqlx::query_scalar!("SELECT id FROM categories WHERE id = $1", target).fetch_optional(&mut *conn).await?;
        if exists.is_none() {
            return Err(AppError::field("move_to", "That category no longer exists."));
        }
        sqlx::query!("UPDATE products SET category_id = $2, updated_at = now() WHERE category_id = $1", id, target)
            .execute(&mut *conn)
            .await?;
    }
    let used = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM products WHERE category_id = $1"#, id)
        .fetch_one(&mut *conn)
        .await?;
    if used > 0 {
        return Err(AppError::Conflict {
            field: "move_to".into(),
            message: format!(
                "{name} still has {used} product{}. Move them to another category first.",
                if used == 1 { "" } else { "s" }
            ),
        });
    }
    sqlx::query!("DELETE FROM categories WHERE id = $1", id).execute(conn).await?;
    Ok(Some(name))
}
