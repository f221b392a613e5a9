-- An address is verified when its owner opened the link sent to it. Only a
-- verified address can become an account's primary, which is where password
-- reset links go: someone holding a session for a moment cannot route the
-- account's recovery to an address of their own.
ALTER TABLE user_emails ADD COLUMN verified_at timestamptz;
-- Addresses from before verification existed were given by the account's
-- holder at sign-up or in the account area: they stay usable as they are.
UPDATE user_emails SET verified_at = created_at;

CREATE TABLE email_verifications (
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    email_id   bigint      NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT email_verifications_pkey PRIMARY KEY (id),
    CONSTRAINT email_verifications_email_id_fkey FOREIGN KEY (email_id) REFERENCES user_emails (id) ON DELETE CASCADE,
    CONSTRAINT email_verifications_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX email_verifications_email_id_idx ON email_verifications (email_id);
