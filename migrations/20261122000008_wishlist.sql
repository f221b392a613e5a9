-- Wishlists: the products a shopper keeps for later, newest first.
CREATE TABLE wishlist_items (
    user_id    uuid        NOT NULL,
    product_id bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wishlist_items_pkey PRIMARY KEY (user_id, product_id),
    CONSTRAINT wishlist_items_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT wishlist_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
);
CREATE INDEX wishlist_items_user_created_idx ON wishlist_items (user_id, created_at DESC);
