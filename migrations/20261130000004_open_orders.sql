-- Checkout counts a shopper's orders waiting to ship (TROVE_MAX_OPEN_ORDERS).
CREATE INDEX orders_open_user_idx ON orders (user_id) WHERE status IN ('PENDING_PAYMENT', 'PROCESSING');
