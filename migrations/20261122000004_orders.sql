-- Carts, promo codes, orders with their items and status history, payment
-- webhook events and in-app notifications.

-- A cart belongs to a user, or to one browser (its id travels in the guest's
-- cart cookie) until sign-in merges it into the user's own.
CREATE TABLE carts (
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT carts_pkey PRIMARY KEY (id),
    CONSTRAINT carts_user_id_key UNIQUE (user_id),
    CONSTRAINT carts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
-- Guest carts nobody came back to are deleted after a while.
CREATE INDEX carts_guest_updated_idx ON carts (updated_at) WHERE user_id IS NULL;

CREATE TABLE cart_items (
    cart_id    uuid          NOT NULL,
    product_id bigint        NOT NULL,
    quantity   integer       NOT NULL,
    -- The price shown when the product was added, so the cart can say it changed.
    seen_price numeric(12,2) NOT NULL,
    added_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT cart_items_pkey PRIMARY KEY (cart_id, product_id),
    CONSTRAINT cart_items_cart_id_fkey FOREIGN KEY (cart_id) REFERENCES carts (id) ON DELETE CASCADE,
    CONSTRAINT cart_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT cart_items_quantity_check CHECK (quantity > 0 AND quantity <= 999)
);
CREATE INDEX cart_items_product_id_idx ON cart_items (product_id);

CREATE TYPE discount_kind AS ENUM ('PERCENT', 'FIXED');

CREATE TABLE promo_codes (
    id           bigint        GENERATED ALWAYS AS IDENTITY,
    code         text          NOT NULL,
    kind         discount_kind NOT NULL,
    -- A percentage (1-100) or an amount in the store's currency.
    value        numeric(12,2) NOT NULL,
    min_subtotal numeric(12,2),
    expires_at   timestamptz,
    usage_limit  integer,
    used_count   integer       NOT NULL DEFAULT 0,
    active       boolean       NOT NULL DEFAULT true,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT promo_codes_pkey PRIMARY KEY (id),
    CONSTRAINT promo_codes_code_check CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    CONSTRAINT promo_codes_value_check CHECK (value > 0 AND (kind <> 'PERCENT' OR value <= 100)),
    CONSTRAINT promo_codes_min_subtotal_check CHECK (min_subtotal >= 0),
    CONSTRAINT promo_codes_usage_limit_check CHECK (usage_limit > 0),
    -- The last line of defence for "a limit of N is never exceeded".
    CONSTRAINT promo_codes_used_count_check CHECK (used_count >= 0 AND (usage_limit IS NULL OR used_count <= usage_limit))
);
CREATE UNIQUE INDEX promo_codes_code_key ON promo_codes (code);

CREATE TYPE order_status AS ENUM ('PENDING_PAYMENT', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED');
CREATE TYPE payment_method AS ENUM ('CARD', 'CASH_ON_DELIVERY');

-- Order numbers shoppers quote: short, increasing, never reused.
CREATE SEQUENCE order_number_seq START WITH 100001;

CREATE TABLE orders (
    id                       uuid           NOT NULL DEFAULT gen_random_uuid(),
    number                   bigint         NOT NULL DEFAULT nextval('order_number_seq'),
    -- RESTRICT: an account with orders is disabled, not deleted.
    user_id                  uuid           NOT NULL,
    status                   order_status   NOT NULL,
    payment_method           payment_method NOT NULL,
    paid_at                  timestamptz,
    currency                 text           NOT NULL,
    subtotal                 numeric(12,2)  NOT NULL,
    discount                 numeric(12,2)  NOT NULL DEFAULT 0,
    shipping                 numeric(12,2)  NOT NULL DEFAULT 0,
    total                    numeric(12,2)  NOT NULL,
    promo_code_id            bigint,
    -- The code as the shopper used it, kept even if the code is later deleted.
    promo_code               text,
    -- A copy of the shipping address: later edits to the address book don't rewrite history.
    ship_full_name           text           NOT NULL,
    ship_line1               text           NOT NULL,
    ship_line2               text           NOT NULL DEFAULT '',
    ship_city                text           NOT NULL,
    ship_province            text           NOT NULL DEFAULT '',
    ship_postal_code         text           NOT NULL,
    ship_country             text           NOT NULL,
    ship_phone               text           NOT NULL DEFAULT '',
    stripe_payment_intent_id text,
    -- The checkout token of the submit that created the order: a retried submit finds it.
    idempotency_key          uuid           NOT NULL,
    created_at               timestamptz    NOT NULL DEFAULT now(),
    updated_at               timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT orders_pkey PRIMARY KEY (id),
    CONSTRAINT orders_number_key UNIQUE (number),
    CONSTRAINT orders_idempotency_key_key UNIQUE (idempotency_key),
    CONSTRAINT orders_stripe_payment_intent_id_key UNIQUE (stripe_payment_intent_id),
    CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT orders_promo_code_id_fkey FOREIGN KEY (promo_code_id) REFERENCES promo_codes (id) ON DELETE SET NULL,
    CONSTRAINT orders_amounts_check CHECK (subtotal > 0 AND discount >= 0 AND discount <= subtotal AND shipping >= 0),
    CONSTRAINT orders_total_check CHECK (total = subtotal - discount + shipping),
    CONSTRAINT orders_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, number DESC);
-- The unpaid-order sweep reads only these.
CREATE INDEX orders_pending_created_idx ON orders (created_at) WHERE status = 'PENDING_PAYMENT';

CREATE TABLE order_items (
    order_id   uuid          NOT NULL,
    -- RESTRICT: a product that ever sold is archived, not deleted.
    product_id bigint        NOT NULL,
    -- Snapshots: what the shopper bought, whatever the product becomes later.
    name       text          NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    quantity   integer       NOT NULL,
    CONSTRAINT order_items_pkey PRIMARY KEY (order_id, product_id),
    CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT,
    CONSTRAINT order_items_unit_price_check CHECK (unit_price > 0),
    CONSTRAINT order_items_quantity_check CHECK (quantity > 0)
);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

CREATE TABLE order_events (
    id          bigint       GENERATED ALWAYS AS IDENTITY,
    order_id    uuid         NOT NULL,
    -- NULL for the event that created the order.
    from_status order_status,
    to_status   order_status NOT NULL,
    -- Who moved it: the shopper, staff, or NULL for the store itself (payments, sweeps).
    actor_id    uuid,
    note        text         NOT NULL DEFAULT '',
    created_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT order_events_pkey PRIMARY KEY (id),
    CONSTRAINT order_events_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX order_events_order_id_idx ON order_events (order_id, id);

-- Each payment provider event is handled once: its id is the key.
CREATE TABLE payment_events (
    id          text        NOT NULL,
    type        text        NOT NULL,
    order_id    uuid,
    received_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_events_pkey PRIMARY KEY (id),
    CONSTRAINT payment_events_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE SET NULL
);

CREATE TABLE notifications (
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    user_id    uuid        NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL DEFAULT '',
    -- A local path the notification opens.
    link       text        NOT NULL DEFAULT '',
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_pkey PRIMARY KEY (id),
    CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
