-- A listing narrowed to an option value few products have ("Colour:
-- Mustard", one product in 100,000) walked the whole sort index looking for
-- it: 32 ms. With this index the planner reads those products directly
-- (0.06 ms) and keeps walking the sort index for common values (Size M on a
-- tenth of the catalog: 0.9 ms). `option_keys` changes only with variants,
-- so stock updates stay heap-only.
CREATE INDEX products_option_keys_idx ON products USING gin (option_keys) WHERE active;
