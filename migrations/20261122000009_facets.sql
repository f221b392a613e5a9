-- Narrowing listings and search results: sorting by rating needs the
-- average as a column (kept by Postgres from the counts the review trigger
-- maintains), indexed for keyset pages overall and per category. Products
-- without reviews average 0 and come last.
ALTER TABLE products ADD COLUMN rating_average numeric NOT NULL
    GENERATED ALWAYS AS (CASE WHEN rating_count > 0 THEN rating_sum::numeric / rating_count ELSE 0 END) STORED;

CREATE INDEX products_rating_idx ON products (rating_average, id) WHERE active;
CREATE INDEX products_category_rating_idx ON products (category_id, rating_average, id) WHERE active;

-- Facet counts read every active product's category, price, stock, offer and
-- rating: from this index alone, without visiting the wide rows.
CREATE INDEX products_facets_idx ON products (category_id, sale_price, stock, offer_price, rating_count, rating_sum) WHERE active;
