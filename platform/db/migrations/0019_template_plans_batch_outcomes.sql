-- Template plans by their digest (content-addressed: the same plan is one row, never changed). A
-- request resolves each template's plan once and hands its resources' workflows the digest, which
-- they read the plan by: the exact content stays pinned, and the request's history does not carry
-- a copy of it for every resource.
CREATE TABLE template_plans (
  digest      text PRIMARY KEY,
  plan        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The outcome of each resource of a request built through batch workflows, its template's steps
-- included, written by its batch as it ends: the request's own outcome leaves the steps out, so
-- that its history does not grow with them (GET /v1/requests/{id} puts them back).
CREATE TABLE request_resource_outcomes (
  request_id  text NOT NULL,
  position    integer NOT NULL,
  outcome     jsonb NOT NULL,
  PRIMARY KEY (request_id, position)
);
