-- Requests: what a re-run came from, the outcome, and the resource types they carry (for filters).
ALTER TABLE requests
  ADD COLUMN rerun_of       text REFERENCES requests (request_id),
  ADD COLUMN resource_types text[] NOT NULL DEFAULT '{}',
  ADD COLUMN outcome        jsonb;

-- The File Store: the request exactly as submitted, served at /v1/requests/{id}/file.
-- Kept in PostgreSQL so every API and worker process sees the same files, on any machine.
CREATE TABLE request_files (
  request_id    text PRIMARY KEY REFERENCES requests (request_id) ON DELETE CASCADE,
  content_type  text NOT NULL,
  body          bytea NOT NULL,
  sha256        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key: a repeated submission by the same requester returns the first request.
CREATE TABLE idempotency_keys (
  requester     text NOT NULL,
  key           text NOT NULL,
  request_id    text NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
  body_sha256   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (requester, key)
);
