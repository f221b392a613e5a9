-- The "verified purchase" rule and review eligibility, written once for
-- every query that asks them (a review's form, a signed-in shopper's
-- product page read with their session's statement). PL/pgSQL keeps the
-- queries' plans for the connection's life.

-- Whether `buyer` received `product` in a delivered order. An order still
-- on its way could yet be cancelled, and a review would outlive it.
CREATE FUNCTION received(buyer uuid, product bigint) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
                   WHERE o.user_id = buyer AND i.product_id = product AND o.status = 'DELIVERED');
END
$$;

-- Whether the product page at `/p/{product_slug}` holds a review form of
-- `buyer`'s own: they received the product or reviewed it. False for no
-- such product.
CREATE FUNCTION review_form(buyer uuid, product_slug text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    found_id bigint;
BEGIN
    SELECT id INTO found_id FROM products WHERE slug = product_slug;
    RETURN found_id IS NOT NULL
       AND (EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = found_id AND r.user_id = buyer)
            OR received(buyer, found_id));
END
$$;
