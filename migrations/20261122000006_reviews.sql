-- Reviews: one per shopper and product, by shoppers who bought it; staff can
-- hide one with a reason. Each product keeps the count and sum of its
-- visible ratings, maintained by a trigger, so cards and listings show the
-- average without aggregating reviews per request.

CREATE TABLE reviews (
    id            bigint      GENERATED ALWAYS AS IDENTITY,
    product_id    bigint      NOT NULL,
    user_id       uuid        NOT NULL,
    rating        smallint    NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL DEFAULT '',
    hidden_at     timestamptz,
    hidden_reason text,
    hidden_by     uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviews_pkey PRIMARY KEY (id),
    CONSTRAINT reviews_product_user_key UNIQUE (product_id, user_id),
    CONSTRAINT reviews_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT reviews_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT reviews_hidden_by_fkey FOREIGN KEY (hidden_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT reviews_rating_check CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT reviews_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 120),
    CONSTRAINT reviews_body_check CHECK (length(body) <= 5000),
    CONSTRAINT reviews_hidden_reason_check CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX reviews_product_visible_idx ON reviews (product_id, created_at DESC) WHERE hidden_at IS NULL;
CREATE INDEX reviews_created_idx ON reviews (created_at DESC, id DESC);
CREATE INDEX reviews_user_idx ON reviews (user_id);

ALTER TABLE products
    ADD COLUMN rating_count integer NOT NULL DEFAULT 0,
    ADD COLUMN rating_sum   integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT products_rating_check CHECK (rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count);

-- Recounts the product(s) a review change touches, from the visible reviews.
CREATE FUNCTION refresh_product_rating() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products p
    SET rating_count = r.n, rating_sum = r.total
    FROM (
        SELECT t.id, count(v.id)::integer AS n, COALESCE(sum(v.rating), 0)::integer AS total
        FROM (SELECT DISTINCT unnest(ARRAY[
                  CASE WHEN TG_OP <> 'INSERT' THEN OLD.product_id END,
                  CASE WHEN TG_OP <> 'DELETE' THEN NEW.product_id END]) AS id) t
        LEFT JOIN reviews v ON v.product_id = t.id AND v.hidden_at IS NULL
        WHERE t.id IS NOT NULL
        GROUP BY t.id
    ) r
    WHERE p.id = r.id AND (p.rating_count, p.rating_sum) IS DISTINCT FROM (r.n, r.total);
    RETURN NULL;
END
$$;

CREATE TRIGGER reviews_rating
    AFTER INSERT OR UPDATE OF rating, hidden_at, product_id OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION refresh_product_rating();

-- Product pages show reviews: cached pages go when one changes.
CREATE TRIGGER reviews_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
