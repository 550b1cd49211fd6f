-- Resources have a life: a removed resource keeps its row (state 'removed') so the inventory can
-- say what was built, by which requests, and when it went; its name can be built again (the new
-- build takes the row over). Each resource records its lease, size, placement, external IDs, the
-- commit of its current common format and the workflow that owns its life.
ALTER TABLE resources DROP CONSTRAINT resources_state_check;
ALTER TABLE resources ADD CONSTRAINT resources_state_check
  CHECK (state IN ('building', 'active', 'changing', 'expiring', 'removing', 'removed', 'failed'));
ALTER TABLE resources
  ADD COLUMN lease_end        timestamptz,
  ADD COLUMN size             jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN placement        jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN external_ids     jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN commit_sha       text,
  -- The resource workflow that owns its lease and serialises the actions on it.
  ADD COLUMN workflow_id      text,
  ADD COLUMN state_changed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX resources_state ON resources (state);
CREATE INDEX resources_lease_end ON resources (lease_end) WHERE lease_end IS NOT NULL AND state <> 'removed';

-- Every request that acted on a resource (created, changed, removed it), with its trace. Kept
-- while the name is rebuilt: the inventory shows those since the resource's created_at.
CREATE TABLE resource_requests (
  resource_type text NOT NULL,
  name          text NOT NULL,
  request_id    text NOT NULL,
  trace_id      text NOT NULL,
  action        text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_type, name, request_id)
);
CREATE INDEX resource_requests_resource ON resource_requests (resource_type, name, at);

-- What the ledger already knows: each resource's creating request.
INSERT INTO resource_requests (resource_type, name, request_id, trace_id, action, at)
SELECT resource_type, name, created_by_request, trace_id, 'create', created_at FROM resources
ON CONFLICT DO NOTHING;
