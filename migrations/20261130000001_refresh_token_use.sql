-- When a refresh token's holder first used it: the first request that carried
-- the session it opened (or presented the token itself). A rotated token whose
-- successor was never used is a lost or raced response from the same browser,
-- not theft: the browser still holds the old token and gets another successor.
-- A rotated token whose successor *was* used means two parties hold the family.
ALTER TABLE refresh_tokens ADD COLUMN used_at timestamptz;
-- Tokens already out there are in use.
UPDATE refresh_tokens SET used_at = last_used_at;
