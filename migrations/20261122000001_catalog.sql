-- The catalog: categories, products and their images.
-- Ids are identities (compact keys for joins and keyset pagination); names and
-- slugs are unique, names case-insensitively.

CREATE TABLE categories (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    name        text        NOT NULL,
    slug        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_pkey PRIMARY KEY (id),
    CONSTRAINT categories_slug_key UNIQUE (slug),
    CONSTRAINT categories_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    CONSTRAINT categories_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);
CREATE UNIQUE INDEX categories_name_key ON categories (lower(name));

CREATE TABLE products (
    id          bigint        GENERATED ALWAYS AS IDENTITY,
    category_id bigint        NOT NULL,
    name        text          NOT NULL,
    slug        text          NOT NULL,
    description text          NOT NULL DEFAULT '',
    price       numeric(12,2) NOT NULL,
    offer_price numeric(12,2),
    -- What a shopper pays now; listings sort and filter by it.
    sale_price  numeric(12,2) NOT NULL GENERATED ALWAYS AS (COALESCE(offer_price, price)) STORED,
    stock       integer       NOT NULL DEFAULT 0,
    -- Drafts (inactive) are invisible to shoppers.
    active      boolean       NOT NULL DEFAULT true,
    featured    boolean       NOT NULL DEFAULT false,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_pkey PRIMARY KEY (id),
    CONSTRAINT products_slug_key UNIQUE (slug),
    -- RESTRICT: a category in use cannot be deleted until its products move.
    CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE RESTRICT,
    CONSTRAINT products_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT products_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT products_price_check CHECK (price > 0),
    CONSTRAINT products_offer_price_check CHECK (offer_price > 0 AND offer_price < price),
    CONSTRAINT products_stock_check CHECK (stock >= 0)
);
CREATE UNIQUE INDEX products_name_key ON products (lower(name));

-- Keyset pagination: one index per sort order, for all products and per category.
-- Partial on active, the only rows shoppers list. Price-descending scans the
-- price index backwards.
CREATE INDEX products_newest_idx ON products (created_at DESC, id DESC) WHERE active;
CREATE INDEX products_category_newest_idx ON products (category_id, created_at DESC, id DESC) WHERE active;
CREATE INDEX products_price_idx ON products (sale_price, id) WHERE active;
CREATE INDEX products_category_price_idx ON products (category_id, sale_price, id) WHERE active;
CREATE INDEX products_name_idx ON products (name, id) WHERE active;
CREATE INDEX products_category_name_idx ON products (category_id, name, id) WHERE active;
CREATE INDEX products_featured_idx ON products (created_at DESC) WHERE active AND featured;

CREATE TABLE product_images (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    product_id  bigint      NOT NULL,
    -- Key in the media storage (a path under the media directory, or an object key).
    storage_key text        NOT NULL,
    alt_text    text        NOT NULL,
    position    integer     NOT NULL DEFAULT 0,
    is_primary  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_images_pkey PRIMARY KEY (id),
    CONSTRAINT product_images_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT product_images_position_check CHECK (position >= 0),
    CONSTRAINT product_images_alt_text_check CHECK (length(alt_text) <= 300)
);
-- At most one primary image per product.
CREATE UNIQUE INDEX product_images_one_primary_key ON product_images (product_id) WHERE is_primary;
CREATE INDEX product_images_product_idx ON product_images (product_id, position);
