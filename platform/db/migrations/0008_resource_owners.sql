-- Every resource the system has built or is building, and whose it is. Only its owner, a member
-- of its group and admins act on a resource (remove it, change it); to anyone else it does not
-- exist. A row is made by the preparation of the request that creates the resource, becomes
-- 'active' when that request succeeds, and goes when the resource is removed (or its creation
-- failed); what happened to it before stays in the request ledger.
CREATE TABLE resources (
  resource_type       text NOT NULL,
  name                text NOT NULL,
  state               text NOT NULL CHECK (state IN ('building', 'active')),
  -- Whether Terraform keeps it (true) or AWX built it once (false): which template removes it.
  managed             boolean NOT NULL,
  -- The subject of the request that created it, until an admin gives it to someone else.
  owner               text NOT NULL,
  -- Members of this group act on it as its owner; one of the creator's token groups, or an admin's choice.
  owner_group         text,
  created_by_request  text NOT NULL,
  trace_id            text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  -- The admin who last changed owner or group, and when; null while it is as it was created.
  owner_changed_by    text,
  owner_changed_at    timestamptz,
  PRIMARY KEY (resource_type, name),
  CHECK ((owner_changed_by IS NULL) = (owner_changed_at IS NULL))
);
CREATE INDEX resources_owner ON resources (owner);
CREATE INDEX resources_owner_group ON resources (owner_group) WHERE owner_group IS NOT NULL;
CREATE INDEX resources_created_by_request ON resources (created_by_request);
CREATE INDEX resources_trace ON resources (trace_id);

-- Every change of a resource's owner or group, by whom and when; kept after the resource is gone.
CREATE TABLE resource_owner_changes (
  id             bigserial PRIMARY KEY,
  resource_type  text NOT NULL,
  name           text NOT NULL,
  from_owner     text NOT NULL,
  from_group     text,
  to_owner       text NOT NULL,
  to_group       text,
  changed_by     text NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resource_owner_changes_resource ON resource_owner_changes (resource_type, name, id);

-- Resources built before owners were recorded: the last successful action on each name in the
-- ledger's outcomes decides whether it exists; its owner is the requester of the request that
-- created it.
INSERT INTO resources (resource_type, name, state, managed, owner, created_by_request, trace_id, created_at)
SELECT type, name, 'active', template LIKE '%-managed', requester, request_id, trace_id, updated_at
  FROM (
    SELECT DISTINCT ON (r->>'type', r->>'name')
           r->>'type' AS type, r->>'name' AS name, r->>'action' AS action, r->>'template' AS template,
           q.requester, q.request_id, q.trace_id, q.updated_at
      FROM requests q, jsonb_array_elements(
             CASE WHEN jsonb_typeof(q.outcome->'resources') = 'array' THEN q.outcome->'resources' ELSE '[]'::jsonb END
           ) AS r
     WHERE r->>'state' = 'succeeded'
     ORDER BY r->>'type', r->>'name', q.updated_at DESC
  ) AS last_success
 WHERE action = 'create';

-- Resources whose creating request is still under way: building, owned by its requester (the
-- request's end then settles them like any other).
INSERT INTO resources (resource_type, name, state, managed, owner, created_by_request, trace_id, created_at)
SELECT r->>'type', r->>'name', 'building', coalesce(r->>'managed', 'false') = 'true',
       q.requester, q.request_id, q.trace_id, q.created_at
  FROM requests q, jsonb_array_elements(
         CASE WHEN jsonb_typeof(q.body->'resources') = 'array' THEN q.body->'resources' ELSE '[]'::jsonb END
       ) AS r
 WHERE q.status IN ('received', 'running')
   AND coalesce(r->>'action', 'create') = 'create'
   AND r->>'type' IS NOT NULL AND r->>'name' IS NOT NULL
ON CONFLICT (resource_type, name) DO NOTHING;
