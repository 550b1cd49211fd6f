-- Requests recorded but whose workflow Temporal has not yet taken: the API answers a submission
-- once its row is here (in the same statement as the request), then starts the workflow at once
-- in the background; a start that failed, or whose API process died first, is retried from here.
-- A row is deleted when Temporal has the workflow, so the table holds only what is waiting.
CREATE TABLE request_starts (
  request_id       text PRIMARY KEY REFERENCES requests (request_id) ON DELETE CASCADE,
  -- What the workflow starts with (the validated resources, who to tell, links): no secrets.
  input            jsonb NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  -- When a sweep may take it: a little after the submission (the submitting process starts it
  -- first), later after each failed attempt.
  next_attempt_at  timestamptz NOT NULL,
  -- Set while one process is starting it, so two do not start it at once (a start is idempotent
  -- anyway: the workflow ID is fixed and a second start finds the first).
  leased_until     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_starts_due ON request_starts (next_attempt_at);
