-- A product change now says whether only its stock changed ('stock_only'):
-- such a change (an order's) shows on the cards and pages of that product
-- alone ("Only 4 left"), so search results that do not show the product
-- keep their cached pages, unless it sold out or came back (the in-stock
-- counts then change, which the change's before and after tell).
CREATE OR REPLACE FUNCTION notify_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_catalog((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', n.id, 'before', catalog_shown(o), 'after', catalog_shown(n),
                   'stock_only', c.stock_only,
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

-- A variant's stock crossing what shoppers read ("Only 2 left" in M) is a
-- stock change alone too: its product's page goes, no search's results.
CREATE OR REPLACE FUNCTION product_variant_stock_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET stock = stock + (NEW.stock - OLD.stock) WHERE id = NEW.product_id;
    IF shown_stock(OLD.stock) <> shown_stock(NEW.stock) THEN
        PERFORM notify_catalog((
            SELECT jsonb_agg(jsonb_build_object('id', p.id, 'before', catalog_shown(p), 'after', catalog_shown(p),
                                                'cards', false, 'stock_only', true))
            FROM products p WHERE p.id = NEW.product_id));
    END IF;
    RETURN NULL;
END
$$;
