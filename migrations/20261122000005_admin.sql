-- The admin area: an audit trail of staff changes, archived products, and the
-- indexes its lists and dashboard read through.

-- Who changed what and when; `before`/`after` hold the fields that changed.
-- Rows outlive the staff account that wrote them (actor set to NULL).
CREATE TABLE audit_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    actor_id    uuid,
    -- e.g. 'product.update', 'order.ship', 'user.role'
    action      text        NOT NULL,
    -- 'product', 'category', 'order', 'promo_code', 'user'
    entity      text        NOT NULL,
    entity_id   text        NOT NULL,
    summary     text        NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_]+\.[a-z_]+$')
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, created_at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC);

-- A product that has sold cannot be deleted (order items keep pointing at it);
-- archiving hides it from shoppers and from the admin's default list.
ALTER TABLE products ADD COLUMN archived_at timestamptz;
ALTER TABLE products ADD CONSTRAINT products_archived_inactive_check CHECK (archived_at IS NULL OR NOT active);

-- The dashboard sums revenue per day over recent orders, and the order list
-- filters by status and date; both read orders newest first.
CREATE INDEX orders_created_idx ON orders (created_at DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC);
-- Low-stock products for the dashboard.
CREATE INDEX products_low_stock_idx ON products (stock, id) WHERE active;
