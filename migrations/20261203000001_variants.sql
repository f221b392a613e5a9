-- Product options and variants. A product has options (Size, Colour), each
-- with ordered values (S, M, L), and variants: one per combination it sells,
-- each with its own SKU, stock, and price when it differs from the product's.
-- A product without options has exactly one variant (no option values), so
-- the cart, checkout and orders have one shape for every product.
--
-- Stock lives on variants. `products.stock` (the sum over active variants),
-- `products.sale_price` (the lowest price a shopper pays for any active
-- variant) and `products.price_varies` follow the variants by trigger, so
-- listings, sorting, facet counts and the catalog's change notices keep
-- reading one row per product. The product's own price and offer are what a
-- variant without a price of its own costs.
--
-- Lock order, to keep concurrent writers from deadlocking: a product's row
-- before its variants' rows (checkout locks both in (product, variant) order;
-- every other writer locks the products first: `lock_products`).

CREATE TABLE product_options (
    id         bigint  GENERATED ALWAYS AS IDENTITY,
    product_id bigint  NOT NULL,
    name       text    NOT NULL,
    -- The option in a product page's address: `?size=m`.
    slug       text    NOT NULL,
    position   integer NOT NULL,
    CONSTRAINT product_options_pkey PRIMARY KEY (id),
    CONSTRAINT product_options_slug_key UNIQUE (product_id, slug),
    CONSTRAINT product_options_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND slug NOT IN ('image', 'review', 'reviews')),
    CONSTRAINT product_options_id_product_key UNIQUE (id, product_id),
    CONSTRAINT product_options_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT product_options_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 40),
    CONSTRAINT product_options_position_check CHECK (position >= 0)
);
CREATE UNIQUE INDEX product_options_name_key ON product_options (product_id, lower(name));
CREATE INDEX product_options_product_idx ON product_options (product_id, position);

CREATE TABLE product_option_values (
    id        bigint  GENERATED ALWAYS AS IDENTITY,
    option_id bigint  NOT NULL,
    value     text    NOT NULL,
    -- The value in a product page's address: `?size=m`.
    slug      text    NOT NULL,
    position  integer NOT NULL,
    CONSTRAINT product_option_values_pkey PRIMARY KEY (id),
    CONSTRAINT product_option_values_option_id_fkey FOREIGN KEY (option_id) REFERENCES product_options (id) ON DELETE CASCADE,
    CONSTRAINT product_option_values_slug_key UNIQUE (option_id, slug),
    CONSTRAINT product_option_values_value_check CHECK (length(btrim(value)) BETWEEN 1 AND 40),
    CONSTRAINT product_option_values_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT product_option_values_position_check CHECK (position >= 0)
);
CREATE UNIQUE INDEX product_option_values_value_key ON product_option_values (option_id, lower(value));
CREATE INDEX product_option_values_option_idx ON product_option_values (option_id, position);

CREATE TABLE product_variants (
    id            bigint        GENERATED ALWAYS AS IDENTITY,
    product_id    bigint        NOT NULL,
    sku           text          NOT NULL,
    -- The variant's own price and offer; both NULL: the product's.
    price         numeric(12,2),
    offer_price   numeric(12,2),
    stock         integer       NOT NULL DEFAULT 0,
    active        boolean       NOT NULL DEFAULT true,
    position      integer       NOT NULL DEFAULT 0,
    -- One value of each of the product's options, in the options' order
    -- (empty for a product without options). Checked by `variant_values_check`.
    option_values bigint[]      NOT NULL DEFAULT '{}',
    -- The picture shown when the variant is chosen, from the product's gallery.
    image_id      bigint,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT product_variants_pkey PRIMARY KEY (id),
    CONSTRAINT product_variants_id_product_key UNIQUE (id, product_id),
    CONSTRAINT product_variants_combination_key UNIQUE (product_id, option_values),
    CONSTRAINT product_variants_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT product_variants_image_id_fkey FOREIGN KEY (image_id) REFERENCES product_images (id) ON DELETE SET NULL,
    CONSTRAINT product_variants_sku_check CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$'),
    CONSTRAINT product_variants_price_check CHECK (price > 0),
    CONSTRAINT product_variants_offer_price_check CHECK (offer_price > 0 AND offer_price < price),
    CONSTRAINT product_variants_own_price_check CHECK (offer_price IS NULL OR price IS NOT NULL),
    CONSTRAINT product_variants_stock_check CHECK (stock >= 0),
    CONSTRAINT product_variants_position_check CHECK (position >= 0)
);
-- SKUs are unique across the shop, whatever their case.
CREATE UNIQUE INDEX product_variants_sku_key ON product_variants (lower(sku));
CREATE INDEX product_variants_product_idx ON product_variants (product_id, position, id);
CREATE INDEX product_variants_low_stock_idx ON product_variants (stock) WHERE active;

-- What a shopper pays for a variant.
CREATE FUNCTION variant_sale_price(v_price numeric, v_offer numeric, p_price numeric, p_offer numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v_price IS NULL THEN COALESCE(p_offer, p_price) ELSE COALESCE(v_offer, v_price) END
$$;

-- A variant names one value of each of its product's options, in order.
CREATE FUNCTION variant_values_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.option_values IS DISTINCT FROM ARRAY(
        SELECT v.id
        FROM unnest(NEW.option_values) AS chosen(id)
        JOIN product_option_values v ON v.id = chosen.id
        JOIN product_options o ON o.id = v.option_id AND o.product_id = NEW.product_id
        ORDER BY o.position, o.id)
       OR cardinality(NEW.option_values) <> (SELECT count(*) FROM product_options WHERE product_id = NEW.product_id)
       OR cardinality(NEW.option_values) <> (
           SELECT count(DISTINCT v.option_id) FROM product_option_values v WHERE v.id = ANY(NEW.option_values))
    THEN
        RAISE EXCEPTION 'a variant needs one value of each of its product''s options'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'product_variants_option_values_check';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER product_variants_values
    BEFORE INSERT OR UPDATE OF option_values, product_id ON product_variants
    FOR EACH ROW EXECUTE FUNCTION variant_values_check();

-- Locks products' rows in id order: every writer of variants calls it (or
-- locks the rows itself) before touching them.
CREATE FUNCTION lock_products(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM products WHERE id = ANY(ids) ORDER BY id FOR UPDATE
$$;

-- Brings products' stock, lowest price and "price varies" in line with their
-- variants. Runs after the rows are locked, in a statement of its own, so it
-- reads variants other transactions committed while it waited.
CREATE FUNCTION refresh_product_variants(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_products(ids);
    UPDATE products p
    SET stock = a.stock,
        sale_price = COALESCE(a.low, COALESCE(p.offer_price, p.price)),
        price_varies = COALESCE(a.low <> a.high, false),
        variant_count = a.n
    FROM (
        SELECT v.product_id,
               COALESCE(sum(v.stock) FILTER (WHERE v.active), 0)::integer AS stock,
               count(*) FILTER (WHERE v.active)::integer AS n,
               min(variant_sale_price(v.price, v.offer_price, pp.price, pp.offer_price)) FILTER (WHERE v.active) AS low,
               max(variant_sale_price(v.price, v.offer_price, pp.price, pp.offer_price)) FILTER (WHERE v.active) AS high
        FROM products pp JOIN product_variants v ON v.product_id = pp.id
        WHERE pp.id = ANY(ids)
        GROUP BY v.product_id
    ) a
    WHERE p.id = a.product_id
      AND (p.stock, p.sale_price, p.price_varies, p.variant_count) IS DISTINCT FROM
          (a.stock, COALESCE(a.low, COALESCE(p.offer_price, p.price)), COALESCE(a.low <> a.high, false), a.n);
END
$$;

-- Variants added or removed: the products follow, and their pages are
-- dropped from caches even when the product's card did not change.
CREATE FUNCTION product_variants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    shown bigint[];
    worded bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT product_id FROM new_rows ORDER BY 1);
        shown := ids;
        -- A product's first variant (made with it) adds no words.
        worded := ARRAY(SELECT DISTINCT product_id FROM new_rows WHERE option_values <> '{}' OR sku !~ '^[A-Z0-9-]+$');
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT DISTINCT product_id FROM old_rows ORDER BY 1);
        shown := ids;
        worded := ids;
    END IF;
    IF cardinality(ids) > 0 THEN
        PERFORM refresh_product_variants(ids);
    END IF;
    IF cardinality(worded) > 0 THEN
        PERFORM refresh_variant_words(worded);
    END IF;
    IF cardinality(shown) > 0 THEN
        PERFORM notify_catalog((
            SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p), 'cards', false))
            FROM products p WHERE p.id = ANY(shown)));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_variants_added
    AFTER INSERT ON product_variants REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_changed();

-- A variant's stock alone changed (what every order and cancellation does):
-- its product's sum moves by the difference, under the row lock the update
-- takes (so concurrent changes add up), and its page goes from caches when
-- shoppers would read its stock differently. A row trigger whose WHEN is
-- checked before any function runs: other updates pay nothing for it.
CREATE FUNCTION product_variant_stock_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET stock = stock + (NEW.stock - OLD.stock) WHERE id = NEW.product_id;
    IF shown_stock(OLD.stock) <> shown_stock(NEW.stock) THEN
        PERFORM notify_catalog((
            SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p), 'cards', false))
            FROM products p WHERE p.id = NEW.product_id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_variants_stock
    AFTER UPDATE OF stock ON product_variants
    FOR EACH ROW
    WHEN (OLD.stock <> NEW.stock AND OLD.active AND NEW.active AND OLD.product_id = NEW.product_id
          AND OLD.price IS NOT DISTINCT FROM NEW.price AND OLD.offer_price IS NOT DISTINCT FROM NEW.offer_price)
    EXECUTE FUNCTION product_variant_stock_moved();

-- Anything else about a variant changed (price, sale state, SKU, values,
-- picture, place): its product is worked out again after locking it, its
-- search words follow, and its page goes from caches.
CREATE FUNCTION product_variant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT DISTINCT id FROM unnest(ARRAY[OLD.product_id, NEW.product_id]) AS id ORDER BY 1);
BEGIN
    PERFORM refresh_product_variants(ids);
    IF (OLD.sku, OLD.option_values, OLD.active) IS DISTINCT FROM (NEW.sku, NEW.option_values, NEW.active) THEN
        PERFORM refresh_variant_words(ids);
    END IF;
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p), 'cards', false))
        FROM products p WHERE p.id = ANY(ids)));
    RETURN NULL;
END
$$;

CREATE TRIGGER product_variants_updated
    AFTER UPDATE ON product_variants
    FOR EACH ROW
    WHEN ((OLD.product_id, OLD.sku, OLD.price, OLD.offer_price, OLD.active, OLD.option_values, OLD.image_id, OLD.position)
          IS DISTINCT FROM (NEW.product_id, NEW.sku, NEW.price, NEW.offer_price, NEW.active, NEW.option_values, NEW.image_id, NEW.position))
    EXECUTE FUNCTION product_variant_changed();
CREATE TRIGGER product_variants_removed
    AFTER DELETE ON product_variants REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_changed();

-- Options and their values show on product pages.
CREATE TRIGGER product_options_added
    AFTER INSERT ON product_options REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_options_changed
    AFTER UPDATE ON product_options REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_options_removed
    AFTER DELETE ON product_options REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();

CREATE FUNCTION product_option_values_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.value IS DISTINCT FROM NEW.value THEN
        PERFORM refresh_variant_words(ARRAY(SELECT product_id FROM product_options WHERE id = NEW.option_id));
    END IF;
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p), 'cards', false))
        FROM products p
        WHERE p.id IN (SELECT o.product_id FROM product_options o
                       WHERE o.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.option_id END,
                                      CASE WHEN TG_OP <> 'DELETE' THEN NEW.option_id END))));
    RETURN NULL;
END
$$;

CREATE TRIGGER product_option_values_changed
    AFTER INSERT OR UPDATE OR DELETE ON product_option_values
    FOR EACH ROW EXECUTE FUNCTION product_option_values_changed();

-- The product's lowest price, now kept by triggers instead of computed from
-- its own price alone (the listings' indexes on it stay).
ALTER TABLE products ALTER COLUMN sale_price DROP EXPRESSION;
ALTER TABLE products
    ADD COLUMN price_varies boolean NOT NULL DEFAULT false,
    -- How many variants are on sale: a card adds the product itself only when one is.
    ADD COLUMN variant_count integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT products_variant_count_check CHECK (variant_count >= 0);

-- A product's own price or offer changes what its variants without prices of
-- their own cost; a new product costs its price until it has variants.
CREATE FUNCTION products_sale_price() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    low numeric;
    high numeric;
BEGIN
    SELECT min(variant_sale_price(v.price, v.offer_price, NEW.price, NEW.offer_price)),
           max(variant_sale_price(v.price, v.offer_price, NEW.price, NEW.offer_price))
    INTO low, high
    FROM product_variants v WHERE TG_OP = 'UPDATE' AND v.product_id = NEW.id AND v.active;
    NEW.sale_price := COALESCE(low, COALESCE(NEW.offer_price, NEW.price));
    NEW.price_varies := COALESCE(low <> high, false);
    RETURN NEW;
END
$$;

CREATE TRIGGER products_sale_price
    BEFORE INSERT OR UPDATE OF price, offer_price ON products
    FOR EACH ROW EXECUTE FUNCTION products_sale_price();

-- Stock is written to variants; a product's is their sum. A write straight
-- to it (not through the variants' trigger) is a mistake, refused.
CREATE FUNCTION products_stock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a product''s stock is the sum of its variants'' stock; set the variants'''
        USING ERRCODE = 'check_violation', CONSTRAINT = 'products_stock_variants_check';
END
$$;

-- Checked before any function runs: the sums' own updates pay nothing.
CREATE TRIGGER products_stock_guard
    BEFORE UPDATE OF stock ON products
    FOR EACH ROW
    WHEN (OLD.stock IS DISTINCT FROM NEW.stock AND pg_trigger_depth() < 1)
    EXECUTE FUNCTION products_stock_guard();

-- A SKU for a product's first variant: its slug in capitals, made unique.
CREATE FUNCTION default_sku(p_slug text, p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM product_variants WHERE lower(sku) = lower(left(p_slug, 100)))
                THEN upper(left(p_slug, 80)) || '-' || p_id
                ELSE upper(left(p_slug, 100)) END
$$;

-- Every new product starts with its one variant, holding the stock it was
-- created with.
CREATE FUNCTION products_first_variant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_variants (product_id, sku, stock)
    SELECT n.id, default_sku(n.slug, n.id), n.stock FROM new_rows n ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_first_variant
    AFTER INSERT ON products REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_first_variant();

-- Search finds a product by its variants' option values ("navy", "XL") and
-- SKUs (a product sold one way adds its SKU only when it is not its slug in
-- capitals, which says nothing its name does not).
CREATE FUNCTION variant_words(p_id bigint) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', COALESCE(string_agg(w, ' '), '')), 'B')
    FROM (
        SELECT v.sku AS w FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE v.product_id = p_id AND v.active AND lower(v.sku) <> p.slug
        UNION
        SELECT ov.value FROM product_option_values ov JOIN product_options o ON o.id = ov.option_id
        WHERE o.product_id = p_id
    ) t
$$;

CREATE OR REPLACE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := product_search_vector(NEW.name, NEW.description, NEW.category_id) || variant_words(NEW.id);
    RETURN NEW;
END
$$;

-- Brings the products' search vectors in line with their variants' words.
CREATE FUNCTION refresh_variant_words(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE products p SET search_vector = v.vector
    FROM (SELECT id, product_search_vector(name, description, category_id) || variant_words(id) AS vector
          FROM products WHERE id = ANY(ids)) v
    WHERE p.id = v.id AND p.search_vector IS DISTINCT FROM v.vector
$$;

-- Every existing product gets its one variant with its stock.
INSERT INTO product_variants (product_id, sku, stock)
SELECT id, upper(left(slug, 100)), stock FROM products ORDER BY id;

-- Cart lines and order items are variants (the product stays beside it, and
-- must be the variant's).
ALTER TABLE cart_items ADD COLUMN variant_id bigint;
UPDATE cart_items c SET variant_id = v.id FROM product_variants v WHERE v.product_id = c.product_id;
ALTER TABLE cart_items
    ALTER COLUMN variant_id SET NOT NULL,
    DROP CONSTRAINT cart_items_pkey,
    ADD CONSTRAINT cart_items_pkey PRIMARY KEY (cart_id, variant_id),
    ADD CONSTRAINT cart_items_variant_id_fkey FOREIGN KEY (variant_id, product_id)
        REFERENCES product_variants (id, product_id) ON DELETE CASCADE;
CREATE INDEX cart_items_variant_id_idx ON cart_items (variant_id);

ALTER TABLE order_items
    ADD COLUMN variant_id bigint,
    -- Snapshots of the variant as sold: "M / Blue" and its SKU.
    ADD COLUMN options text NOT NULL DEFAULT '',
    ADD COLUMN sku text NOT NULL DEFAULT '';
UPDATE order_items i SET variant_id = v.id, sku = v.sku FROM product_variants v WHERE v.product_id = i.product_id;
ALTER TABLE order_items
    ALTER COLUMN variant_id SET NOT NULL,
    DROP CONSTRAINT order_items_pkey,
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, variant_id),
    -- RESTRICT: a variant that ever sold is deactivated, not deleted.
    ADD CONSTRAINT order_items_variant_id_fkey FOREIGN KEY (variant_id, product_id)
        REFERENCES product_variants (id, product_id) ON DELETE RESTRICT;
CREATE INDEX order_items_variant_id_idx ON order_items (variant_id);

-- How a variant reads beside its product's name: "M / Blue" (empty for a
-- product without options).
CREATE FUNCTION variant_label(option_values bigint[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN cardinality(option_values) = 0 THEN '' ELSE (
        SELECT COALESCE(string_agg(v.value, ' / ' ORDER BY o.position, o.id), '')
        FROM product_option_values v JOIN product_options o ON o.id = v.option_id
        WHERE v.id = ANY(option_values)) END
$$;

-- The query that selects a variant on its product's page: "size=m&colour=blue".
CREATE FUNCTION variant_query(option_values bigint[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN cardinality(option_values) = 0 THEN '' ELSE (
        SELECT COALESCE(string_agg(o.slug || '=' || v.slug, '&' ORDER BY o.position, o.id), '')
        FROM product_option_values v JOIN product_options o ON o.id = v.option_id
        WHERE v.id = ANY(option_values)) END
$$;
