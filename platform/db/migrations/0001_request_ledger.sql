-- The request ledger: one row per request, and every status change it went through.
-- Temporal's history is the record of what ran; the ledger is what the API lists and filters fast.
CREATE TABLE requests (
  request_id    text PRIMARY KEY,
  trace_id      text NOT NULL,
  requester     text NOT NULL,
  status        text NOT NULL,
  workflow_id   text NOT NULL UNIQUE,
  body          jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_trace_id ON requests (trace_id);
CREATE INDEX requests_requester_created ON requests (requester, created_at DESC);
CREATE INDEX requests_status ON requests (status);

CREATE TABLE request_status_events (
  id          bigserial PRIMARY KEY,
  request_id  text NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
  status      text NOT NULL,
  detail      jsonb,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_status_events_request ON request_status_events (request_id, id);
