-- Admission per requester: at most a set number of one requester's requests work at once; the
-- rest wait in their workflows, in the order they came, until one of those ends (docs/waits.md,
-- "Admission per requester"). A request's row is written when it asks to be admitted, marked
-- admitted when its turn comes, and removed when the request ends (the trigger below, whoever
-- writes the final status), when it pauses for a decision, or when its workflow is found closed.
CREATE TABLE request_admissions (
  request_id  text PRIMARY KEY,
  requester   text NOT NULL,
  workflow_id text NOT NULL,
  queued_at   timestamptz NOT NULL DEFAULT now(),
  admitted_at timestamptz
);
CREATE INDEX request_admissions_queue ON request_admissions (requester, queued_at, request_id);

-- Given back with the request's resource claims, by the trigger that releases those (0009) when the
-- request reaches a final status.
CREATE OR REPLACE FUNCTION release_resource_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM resource_claims WHERE request_id = NEW.request_id;
  DELETE FROM request_admissions WHERE request_id = NEW.request_id;
  RETURN NEW;
END $$;
