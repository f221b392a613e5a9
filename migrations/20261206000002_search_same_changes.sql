-- A product change now also says whether what searches match it by stayed
-- the same ('search_same': its search document and whether it is on sale).
-- Such a change (an order's stock, a new price, a review's rating) shows
-- only in the results that match the product, so a kept results page that
-- knows its matches keeps itself when the product is not one of them.
CREATE OR REPLACE FUNCTION notify_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', n.id, 'before', catalog_shown(o), 'after', catalog_shown(n),
                   'stock_only', c.stock_only,
                   'search_same', o.search_vector = n.search_vector AND o.active = n.active,
                   'cards', shown_stock(o.stock) <> shown_stock(n.stock)
                            OR (NOT c.stock_only AND card_columns(o) IS DISTINCT FROM card_columns(n))))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (
            SELECT jsonb_populate_record(o, jsonb_build_object('stock', n.stock, 'updated_at', n.updated_at))
                   IS NOT DISTINCT FROM n AS stock_only
        ) c
        WHERE shown_stock(o.stock) <> shown_stock(n.stock) OR NOT c.stock_only));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION product_variant_stock_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET stock = stock + (NEW.stock - OLD.stock) WHERE id = NEW.product_id;
    IF shown_stock(OLD.stock) <> shown_stock(NEW.stock) THEN
        PERFORM notify_catalog((
            SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p),
                                                'cards', false, 'stock_only', true, 'search_same', true))
            FROM products p WHERE p.id = NEW.product_id));
    END IF;
    RETURN NULL;
END
$$;
