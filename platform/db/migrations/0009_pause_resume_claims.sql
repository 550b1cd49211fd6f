-- Failed requests: paused and resumed, re-run once, and one unfinished request per resource.

-- Operators resume paused requests beside their requesters and the admins.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
  CHECK (role IN ('requester', 'approver', 'operator', 'admin'));

-- A request is re-run once: a second re-run finds the first (enforced here, so across API processes).
CREATE UNIQUE INDEX requests_one_rerun ON requests (rerun_of) WHERE rerun_of IS NOT NULL;

-- The resources (type + name) an unfinished request acts on. Written in the statement that
-- records the request, so a second request on the same resource is refused there; released by
-- the trigger below when the request reaches a final status, whoever writes it.
CREATE TABLE resource_claims (
  resource_type text NOT NULL,
  name          text NOT NULL,
  request_id    text NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
  claimed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_type, name)
);
CREATE INDEX resource_claims_request ON resource_claims (request_id);

CREATE FUNCTION release_resource_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM resource_claims WHERE request_id = NEW.request_id;
  RETURN NEW;
END $$;

CREATE TRIGGER requests_release_claims
  AFTER UPDATE OF status ON requests
  FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION release_resource_claims();

-- Every decision that ended a pause through the API: who, when, what.
CREATE TABLE request_resumes (
  id         bigserial PRIMARY KEY,
  request_id text NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
  action     text NOT NULL CHECK (action IN ('retry', 'abort')),
  by_subject text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_resumes_request ON request_resumes (request_id, id);

-- Settings an admin changes at run time (the default onFailure, the pause timeout).
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
