-- Checkout spends most of its time in the database; these functions run in
-- every order (measured with pg_stat_statements and perf under the checkout
-- benchmark: 340-361 orders/s before, 404-426 after).

-- A variant's values as shoppers read them ("M / Blue"); '' without options.
-- PL/pgSQL keeps the query's plan for the connection's life: as a SQL
-- function with a subquery it was parsed and planned again by every
-- statement calling it (several per order).
CREATE OR REPLACE FUNCTION variant_label(option_values bigint[]) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF cardinality(option_values) = 0 THEN
        RETURN '';
    END IF;
    RETURN (SELECT COALESCE(string_agg(v.value, ' / ' ORDER BY o.position, o.id), '')
            FROM product_option_values v JOIN product_options o ON o.id = v.option_id
            WHERE v.id = ANY(option_values));
END
$$;

-- What listings and facet counts know of a product (PL/pgSQL, as above:
-- two calls a product in every catalog change).
CREATE OR REPLACE FUNCTION catalog_shown(p products) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'slug', p.slug,
        'category_id', p.category_id,
        'category', (SELECT c.slug FROM categories c WHERE c.id = p.category_id),
        'price', p.sale_price::text,
        'in_stock', p.stock > 0,
        'offer', p.offer_price IS NOT NULL,
        'stars', CASE WHEN p.rating_count > 0 THEN p.rating_sum / p.rating_count ELSE 0 END,
        'active', p.active,
        'options', to_jsonb(p.option_keys));
END
$$;

-- Whether a products update changed anything but stock a shopper cannot
-- see: the old row, given the new stock and time, against the new row (a
-- row comparison; turning both rows into JSON, as before, cost every order
-- a tenth of its time in the database).
CREATE OR REPLACE FUNCTION notify_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', n.id, 'before', catalog_shown(o), 'after', catalog_shown(n),
                   'cards', card_columns(o) IS DISTINCT FROM card_columns(n)
                            OR shown_stock(o.stock) <> shown_stock(n.stock)))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE shown_stock(o.stock) <> shown_stock(n.stock)
           OR jsonb_populate_record(o, jsonb_build_object('stock', n.stock, 'updated_at', n.updated_at))
              IS DISTINCT FROM n));
    RETURN NULL;
END
$$;
