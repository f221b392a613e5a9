-- API tokens for the JSON API (/api/v1). A USER token is made by a signed-in
-- person and acts as them (never beyond their role at the time of use); a
-- CLIENT token is made by an admin for a named integration and acts for the
-- shop. Only the secret's SHA-256 is kept; `display` is what lists show of
-- it (its kind's prefix and its first characters).
CREATE TYPE api_token_kind AS ENUM ('USER', 'CLIENT');

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    kind api_token_kind NOT NULL,
    -- USER: the person it acts as. CLIENT: none.
    user_id UUID,
    -- CLIENT: the integration it is for ("Warehouse sync").
    integration TEXT,
    name TEXT NOT NULL,
    scopes TEXT[] NOT NULL,
    secret_hash BYTEA NOT NULL,
    display TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by UUID NOT NULL,
    expires_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    last_used_from TEXT,
    revoked_at TIMESTAMPTZ,
    revoked_by UUID,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT api_tokens_secret_hash_key UNIQUE (secret_hash),
    CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT api_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT api_tokens_revoked_by_fkey FOREIGN KEY (revoked_by) REFERENCES users (id),
    CONSTRAINT api_tokens_owner_check CHECK (
        (kind = 'USER' AND user_id IS NOT NULL AND integration IS NULL)
        OR (kind = 'CLIENT' AND user_id IS NULL AND integration IS NOT NULL AND length(btrim(integration)) BETWEEN 1 AND 80)
    ),
    CONSTRAINT api_tokens_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) BETWEEN 1 AND 16),
    CONSTRAINT api_tokens_secret_hash_check CHECK (length(secret_hash) = 32),
    CONSTRAINT api_tokens_expiry_check CHECK (expires_at IS NULL OR expires_at > created_at),
    CONSTRAINT api_tokens_revoked_check CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

-- A person's tokens, newest first (the account page).
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC) WHERE user_id IS NOT NULL;
-- The shop's client tokens (the integrations page).
CREATE INDEX api_tokens_client_idx ON api_tokens (created_at DESC) WHERE kind = 'CLIENT';
