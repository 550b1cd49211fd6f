-- Standard offerings ("Small RHEL 9 dev VM"): a resource with every technical field preset, that
-- a requester orders by name with a few fields of their own (a name, a lease). Not to be confused
-- with the catalog_* tables of 0004, the snapshot of vCenter and ACI that validation reads: an
-- offering's preset fields are validated against that snapshot like any request.
CREATE TABLE offerings (
  name                text PRIMARY KEY,
  title               text NOT NULL,
  description         text NOT NULL DEFAULT '',
  resource_type       text NOT NULL,
  -- The resource's fields but its name and lease (osImage, network, cpu, memoryGb, disks, managed, …).
  spec                jsonb NOT NULL,
  default_lease_days  integer NOT NULL CHECK (default_lease_days > 0),
  max_lease_days      integer NOT NULL CHECK (max_lease_days >= default_lease_days),
  -- Who may order it: members of any of these groups; empty for every requester.
  groups              text[] NOT NULL DEFAULT '{}',
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_by          text NOT NULL,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  -- A retired offering is kept (requests name it) but no longer ordered.
  retired_by          text,
  retired_at          timestamptz
);

-- Portal sign-ins: the browser holds a random session ID in an HttpOnly cookie; only its SHA-256
-- is stored, beside the token it signed in with (revoking the token ends its sessions) and the
-- session's CSRF token.
CREATE TABLE portal_sessions (
  session_hash  bytea PRIMARY KEY,
  token_id      text NOT NULL REFERENCES api_tokens (token_id) ON DELETE CASCADE,
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
