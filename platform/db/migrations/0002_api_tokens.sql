-- API bearer tokens. Only a SHA-256 of each token is stored: the token itself is shown once, when
-- it is issued. A token belongs to a subject (the person or system that uses it) and has one role.
CREATE TABLE api_tokens (
  token_id      text PRIMARY KEY,
  subject       text NOT NULL,
  role          text NOT NULL CHECK (role IN ('requester', 'approver', 'admin')),
  description   text NOT NULL DEFAULT '',
  token_hash    bytea NOT NULL UNIQUE,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_tokens_subject ON api_tokens (subject);
