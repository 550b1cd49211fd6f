-- The processes of the deployment (API processes and workers), each refreshing its row every few
-- seconds: GET /v1/system/status lists those seen lately, so one that died drops out within
-- seconds, where Temporal would list a dead worker's pollers for a minute or more.
CREATE TABLE presence (
  process_id  text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('api', 'worker')),
  host        text NOT NULL,
  pid         integer NOT NULL,
  version     text NOT NULL,
  -- What the process says about itself: the API's URL, a worker's queues and slots. No secrets.
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presence_last_seen ON presence (last_seen);
