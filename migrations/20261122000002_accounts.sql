-- Accounts: users with roles, their emails, phones and addresses; the session
-- store; refresh tokens; password resets; the email outbox; rate-limit counters.

CREATE TYPE user_role AS ENUM ('MEMBER', 'MODERATOR', 'ADMIN');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username text NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    -- An argon2id PHC string; never leaves the server.
    password_hash text NOT NULL,
    role user_role NOT NULL DEFAULT 'MEMBER',
    stripe_customer_id text,
    -- Media key of the resized avatar, e.g. avatars/<id>-<random>.jpg.
    avatar_key text,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9_.-]{3,30}$'),
    CONSTRAINT users_first_name_length CHECK (char_length(first_name) BETWEEN 1 AND 60),
    CONSTRAINT users_last_name_length CHECK (char_length(last_name) BETWEEN 1 AND 60),
    CONSTRAINT users_stripe_customer_id_key UNIQUE (stripe_customer_id)
);
-- Case-insensitive uniqueness; sign-in looks usernames up through it.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE user_emails (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT user_emails_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    email text NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_emails_email_length CHECK (char_length(email) BETWEEN 3 AND 254)
);
-- An address belongs to one account, whatever its letter case.
CREATE UNIQUE INDEX user_emails_email_key ON user_emails (lower(email));
CREATE UNIQUE INDEX user_emails_one_primary ON user_emails (user_id) WHERE is_primary;
CREATE INDEX user_emails_user_id_idx ON user_emails (user_id);

CREATE TABLE user_phones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT user_phones_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    -- Normalised: a leading + and digits only.
    phone text NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_phones_phone_format CHECK (phone ~ '^\+?[0-9]{6,15}$'),
    CONSTRAINT user_phones_user_phone_key UNIQUE (user_id, phone)
);
CREATE UNIQUE INDEX user_phones_one_primary ON user_phones (user_id) WHERE is_primary;

CREATE TABLE addresses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT addresses_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    full_name text NOT NULL,
    line1 text NOT NULL,
    line2 text NOT NULL DEFAULT '',
    city text NOT NULL,
    province text NOT NULL DEFAULT '',
    postal_code text NOT NULL,
    -- ISO 3166-1 alpha-2.
    country text NOT NULL,
    phone text NOT NULL DEFAULT '',
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT addresses_country_format CHECK (country ~ '^[A-Z]{2}$')
);
CREATE UNIQUE INDEX addresses_one_primary ON addresses (user_id) WHERE is_primary;
CREATE INDEX addresses_user_id_idx ON addresses (user_id);

-- tower-sessions records. Sessions are short-lived; refresh tokens renew them.
CREATE TABLE sessions (
    id text PRIMARY KEY,
    data jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- One row per issued refresh token. Only a SHA-256 of the token is stored.
-- Rotation revokes a token and points it at its replacement in the same
-- family; presenting a rotated token again revokes the whole family.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL CONSTRAINT refresh_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    family uuid NOT NULL,
    token_hash bytea NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    replaced_by uuid CONSTRAINT refresh_tokens_replaced_by_fkey REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE password_resets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT password_resets_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CONSTRAINT password_resets_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);

-- Mail is written here in the same transaction as the change that causes it;
-- a background sender delivers it and retries with backoff.
CREATE TABLE email_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    -- Set when retries are exhausted.
    failed_at timestamptz,
    last_error text
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Fixed-window counters shared by every app instance.
CREATE TABLE rate_limits (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    CONSTRAINT rate_limits_pkey PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);
