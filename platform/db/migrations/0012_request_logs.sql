-- The log lines of requests as every API and worker process writes them, in batches (a pino
-- destination per process, platform/request-log.ts), until the request has ended: then an API
-- process gathers them into the request's log file below and deletes them here. This table only
-- ever holds the lines of unfinished requests (and, for an hour at most, lines naming a request
-- the ledger does not have).
CREATE TABLE request_log_lines (
  id          bigserial PRIMARY KEY,
  request_id  text NOT NULL,
  trace_id    text,
  at          timestamptz NOT NULL,
  line        text NOT NULL
);
CREATE INDEX request_log_lines_request ON request_log_lines (request_id, at, id);
CREATE INDEX request_log_lines_at ON request_log_lines (at);

-- The File Store's log file of an ended request, beside its request file (request_files): its
-- lines in order of time, served at /v1/requests/{id}/log. At most a bounded number of lines;
-- past that the lines are counted in `omitted`, not kept.
CREATE TABLE request_log_files (
  request_id  text PRIMARY KEY REFERENCES requests (request_id) ON DELETE CASCADE,
  body        text NOT NULL,
  lines       integer NOT NULL,
  omitted     integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Requests whose lines are due to be gathered: a request that ends (any path to a final status)
-- is due a few seconds later, so the lines its processes still hold in their batches arrive first;
-- it is gathered twice (the second pass 30 s later picks up stragglers from slow processes).
CREATE TABLE request_log_due (
  request_id  text PRIMARY KEY REFERENCES requests (request_id) ON DELETE CASCADE,
  due_at      timestamptz NOT NULL,
  passes      integer NOT NULL DEFAULT 0
);
CREATE INDEX request_log_due_at ON request_log_due (due_at);

CREATE FUNCTION request_log_due_on_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO request_log_due (request_id, due_at) VALUES (NEW.request_id, now() + interval '2 seconds')
  ON CONFLICT (request_id) DO UPDATE SET due_at = EXCLUDED.due_at, passes = 0;
  RETURN NEW;
END $$;

CREATE TRIGGER requests_log_due AFTER UPDATE OF status ON requests
  FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') AND NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION request_log_due_on_end();
