-- Every order takes stock: an update of its variants' rows and, by trigger,
-- of their products' rows. With `stock` in an index, each such update wrote
-- a new entry into every index of the table (sixteen on `products`, two of
-- them GIN): 0.6 ms of each order's 2.8 ms in the database, measured with
-- pg_stat_statements under the checkout benchmark. Without it, and with room
-- left in each page, the updates are heap-only (HOT): no index is touched.
--
-- Dropped: the products' low-stock index (the dashboard reads variants now)
-- and the variants' (the dashboard's query reads every active variant's
-- stock once, an admin page); the facet counts' covering index loses `stock`
-- (a recount reads the table: counts are adjusted in place and recounted
-- rarely, once for all waiting requests).
DROP INDEX products_low_stock_idx;
DROP INDEX product_variants_low_stock_idx;
DROP INDEX products_facets_idx;
CREATE INDEX products_facets_idx ON products (category_id, sale_price, offer_price, rating_count, rating_sum)
    INCLUDE (option_keys) WHERE active;
ALTER TABLE products SET (fillfactor = 90);
ALTER TABLE product_variants SET (fillfactor = 90);
