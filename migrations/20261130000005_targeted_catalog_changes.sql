-- Catalog changes name what they touched, so each instance drops only the
-- cached pages and counts that show it (src/db.rs reads the payload):
--   {"products": [{"id", "before", "after", "cards"}]}  or  {"all": true}.
-- "before"/"after" are what listings and facet counts know of the product
-- (null when it did not exist); "cards" says whether a product card shows the
-- change (a description does not). A stock change that a shopper cannot see
-- (57 -> 56, both "In stock") notifies nothing: orders take stock all day.
-- Payloads must stay under NOTIFY's 8,000 bytes; a bigger change (a CSV
-- import, a bulk edit) says "all".

-- What a listing or the facet counts know of a product.
CREATE FUNCTION catalog_shown(p products) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'slug', p.slug,
        'category_id', p.category_id,
        'category', (SELECT c.slug FROM categories c WHERE c.id = p.category_id),
        'price', p.sale_price::text,
        'in_stock', p.stock > 0,
        'offer', p.offer_price IS NOT NULL,
        'stars', CASE WHEN p.rating_count > 0 THEN p.rating_sum / p.rating_count ELSE 0 END,
        'active', p.active)
$$;

-- Stock as shoppers are told it: sold out, "Only n left" up to 5
-- (catalog::rules::LOW_STOCK), then "In stock".
CREATE FUNCTION shown_stock(stock integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT least(greatest(stock, 0), 6)
$$;

-- The columns a product card does not show (its page shows all of them).
CREATE FUNCTION card_columns(p products) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(p) - 'stock' - 'updated_at' - 'description' - 'search_vector'
$$;

CREATE FUNCTION notify_catalog(changed jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    IF changed IS NULL OR jsonb_array_length(changed) = 0 THEN
        RETURN;
    END IF;
    payload := jsonb_build_object('products', changed)::text;
    IF octet_length(payload) > 7900 THEN
        payload := '{"all":true}';
    END IF;
    PERFORM pg_notify('catalog_changed', payload);
END
$$;

CREATE FUNCTION notify_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', n.id, 'before', catalog_shown(o), 'after', catalog_shown(n),
                   'cards', card_columns(o) IS DISTINCT FROM card_columns(n)
                            OR shown_stock(o.stock) <> shown_stock(n.stock)))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (to_jsonb(o) - 'stock' - 'updated_at') IS DISTINCT FROM (to_jsonb(n) - 'stock' - 'updated_at')
           OR shown_stock(o.stock) <> shown_stock(n.stock)));
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_products_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object('id', n.id, 'before', NULL, 'after', catalog_shown(n), 'cards', true))
        FROM new_rows n));
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_products_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object('id', o.id, 'before', catalog_shown(o), 'after', NULL, 'cards', true))
        FROM old_rows o));
    RETURN NULL;
END
$$;

-- Everything changed (categories, a truncate): every copy goes.
CREATE FUNCTION notify_catalog_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog_changed', '{"all":true}');
    RETURN NULL;
END
$$;

DROP TRIGGER products_changed ON products;
CREATE TRIGGER products_changed
    AFTER UPDATE ON products REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_products_updated();
CREATE TRIGGER products_added
    AFTER INSERT ON products REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_products_inserted();
CREATE TRIGGER products_removed
    AFTER DELETE ON products REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_products_deleted();
CREATE TRIGGER products_truncated
    AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_everything();

DROP TRIGGER categories_changed ON categories;
CREATE TRIGGER categories_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_everything();

-- A product's pictures show on its page and its card; its reviews on its
-- page (their ratings reach the card through `products`).
CREATE FUNCTION notify_product_rows_touched() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT product_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT product_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT id) INTO ids
        FROM (SELECT product_id AS id FROM old_rows UNION SELECT product_id FROM new_rows) t;
    END IF;
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p),
                   'cards', TG_TABLE_NAME = 'product_images'))
        FROM products p WHERE p.id = ANY(ids)));
    RETURN NULL;
END
$$;

DROP TRIGGER product_images_changed ON product_images;
CREATE TRIGGER product_images_added
    AFTER INSERT ON product_images REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_images_changed
    AFTER UPDATE ON product_images REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_images_removed
    AFTER DELETE ON product_images REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_images_truncated
    AFTER TRUNCATE ON product_images
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_everything();

DROP TRIGGER reviews_changed ON reviews;
CREATE TRIGGER reviews_added
    AFTER INSERT ON reviews REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER reviews_changed
    AFTER UPDATE ON reviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER reviews_removed
    AFTER DELETE ON reviews REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER reviews_truncated
    AFTER TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_everything();

DROP FUNCTION notify_catalog_changed();
