-- A request's story, change by change, as its workflow saw it: what the event stream
-- (GET /v1/requests/{id}/events) sends. `seq` counts from 1 per request in the workflow's order,
-- so a retried write adds nothing and every reader and reconnect sees the same IDs. No foreign
-- key: a request started from the Temporal CLI gets its ledger row from another activity that
-- may land later.
CREATE TABLE request_events (
  request_id  text NOT NULL,
  seq         integer NOT NULL CHECK (seq > 0),
  type        text NOT NULL,
  data        jsonb NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (request_id, seq)
);
