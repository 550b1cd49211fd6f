-- Portal sign-ins through OpenID Connect: such a session has no API token behind it, so it carries
-- the identity the issuer vouched for (subject, and the role and groups its groups map to) itself.
-- A session has exactly one of the two: a token, or an identity of its own.
ALTER TABLE portal_sessions
  ALTER COLUMN token_id DROP NOT NULL,
  ADD COLUMN subject text,
  ADD COLUMN role text CHECK (role IN ('requester', 'approver', 'operator', 'admin')),
  ADD COLUMN groups text[],
  ADD CONSTRAINT portal_sessions_one_identity
    CHECK ((token_id IS NULL) = (subject IS NOT NULL AND role IS NOT NULL AND groups IS NOT NULL));
