-- What a creating API request (a new product) answered, by the caller's
-- Idempotency-Key: a retry with the same key and body gets the same answer
-- and creates nothing; the same key with another body is refused. The row is
-- written in the creation's own transaction, so a concurrent retry waits for
-- it. Kept for a day.
CREATE TABLE api_idempotency (
    token_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    -- The operation, e.g. `POST /products`, and the SHA-256 of the body.
    operation TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status SMALLINT NOT NULL,
    response JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT api_idempotency_pkey PRIMARY KEY (token_id, key),
    CONSTRAINT api_idempotency_token_id_fkey FOREIGN KEY (token_id) REFERENCES api_tokens (id) ON DELETE CASCADE,
    CONSTRAINT api_idempotency_status_check CHECK (status BETWEEN 200 AND 299)
);

CREATE INDEX api_idempotency_created_at_idx ON api_idempotency (created_at);
