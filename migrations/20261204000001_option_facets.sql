-- Option values as listing filters ("Size: M (42)"). Each product keeps the
-- filter keys of the values its active variants have (`size:m`, option slug
-- and value slug), kept by the same refresh that keeps its stock and lowest
-- price, so listings filter, and facet counts group, on the products table
-- alone. A product with options is shown under a value when any active
-- variant has it.

ALTER TABLE products ADD COLUMN option_keys text[] NOT NULL DEFAULT '{}';

-- The filter keys of a product's active variants' values, sorted.
CREATE FUNCTION product_option_keys(product bigint) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT o.slug || ':' || ov.slug ORDER BY o.slug || ':' || ov.slug), '{}')
    FROM product_variants v
    CROSS JOIN unnest(v.option_values) AS chosen(id)
    JOIN product_option_values ov ON ov.id = chosen.id
    JOIN product_options o ON o.id = ov.option_id
    WHERE v.product_id = product AND v.active
$$;

-- Whether a product with filter keys `have` passes filters `wanted`: for
-- each option the filters name, one of its wanted values (values of one
-- option are alternatives; options must all match).
CREATE FUNCTION has_options(have text[], wanted text[]) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM unnest(wanted) AS w(key)
        GROUP BY split_part(w.key, ':', 1)
        HAVING NOT bool_or(w.key = ANY(have)))
$$;

CREATE OR REPLACE FUNCTION refresh_product_variants(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_products(ids);
    UPDATE products p
    SET stock = a.stock,
        sale_price = COALESCE(a.low, COALESCE(p.offer_price, p.price)),
        price_varies = COALESCE(a.low <> a.high, false),
        variant_count = a.n,
        option_keys = a.keys
    FROM (
        SELECT v.product_id,
               COALESCE(sum(v.stock) FILTER (WHERE v.active), 0)::integer AS stock,
               count(*) FILTER (WHERE v.active)::integer AS n,
               min(variant_sale_price(v.price, v.offer_price, pp.price, pp.offer_price)) FILTER (WHERE v.active) AS low,
               max(variant_sale_price(v.price, v.offer_price, pp.price, pp.offer_price)) FILTER (WHERE v.active) AS high,
               product_option_keys(v.product_id) AS keys
        FROM products pp JOIN product_variants v ON v.product_id = pp.id
        WHERE pp.id = ANY(ids)
        GROUP BY v.product_id
    ) a
    WHERE p.id = a.product_id
      AND (p.stock, p.sale_price, p.price_varies, p.variant_count, p.option_keys) IS DISTINCT FROM
          (a.stock, COALESCE(a.low, COALESCE(p.offer_price, p.price)), COALESCE(a.low <> a.high, false), a.n, a.keys);
END
$$;

-- What listings and facet counts know of a product now includes its keys.
CREATE OR REPLACE FUNCTION catalog_shown(p products) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'slug', p.slug,
        'category_id', p.category_id,
        'category', (SELECT c.slug FROM categories c WHERE c.id = p.category_id),
        'price', p.sale_price::text,
        'in_stock', p.stock > 0,
        'offer', p.offer_price IS NOT NULL,
        'stars', CASE WHEN p.rating_count > 0 THEN p.rating_sum / p.rating_count ELSE 0 END,
        'active', p.active,
        'options', to_jsonb(p.option_keys))
$$;

-- An option or value renamed: a new slug changes its products' keys; a new
-- name or value shows in every listing's filter panel that offers it (names
-- are shared across products by slug), so every cached copy goes.
CREATE FUNCTION product_option_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    product bigint;
BEGIN
    IF TG_TABLE_NAME = 'product_options' THEN
        product := NEW.product_id;
        IF (OLD.name, OLD.position) IS DISTINCT FROM (NEW.name, NEW.position) THEN
            PERFORM pg_notify('catalog_changed', '{"all":true}');
        END IF;
    ELSE
        SELECT o.product_id INTO product FROM product_options o WHERE o.id = NEW.option_id;
        IF OLD.value IS DISTINCT FROM NEW.value OR OLD.position IS DISTINCT FROM NEW.position THEN
            PERFORM pg_notify('catalog_changed', '{"all":true}');
        END IF;
    END IF;
    IF OLD.slug IS DISTINCT FROM NEW.slug THEN
        PERFORM refresh_product_variants(ARRAY[product]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_options_renamed
    AFTER UPDATE OF name, slug, position ON product_options
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION product_option_renamed();
CREATE TRIGGER product_option_values_renamed
    AFTER UPDATE OF value, slug, position ON product_option_values
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION product_option_renamed();

-- Facet counts group by the keys too, still from the index alone.
DROP INDEX products_facets_idx;
CREATE INDEX products_facets_idx ON products (category_id, sale_price, stock, offer_price, rating_count, rating_sum)
    INCLUDE (option_keys) WHERE active;

UPDATE products p SET option_keys = product_option_keys(p.id)
WHERE EXISTS (SELECT 1 FROM product_options o WHERE o.product_id = p.id);
