-- A review a moderator hid and its author then deleted: the author cannot
-- post a new review of that product, or deleting would undo the moderation.
CREATE TABLE review_tombstones (
    product_id    bigint      NOT NULL,
    user_id       uuid        NOT NULL,
    hidden_reason text        NOT NULL,
    hidden_by     uuid,
    deleted_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT review_tombstones_pkey PRIMARY KEY (product_id, user_id),
    CONSTRAINT review_tombstones_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT review_tombstones_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT review_tombstones_hidden_by_fkey FOREIGN KEY (hidden_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX review_tombstones_user_id_idx ON review_tombstones (user_id);
