-- Plans (POST /v1/requests/preview, docs/plan-preview.md). A request records the plan it was
-- submitted with and its hash: what an approver sees and what an approval is bound to.
ALTER TABLE requests ADD COLUMN plan_hash text;
ALTER TABLE requests ADD COLUMN plan jsonb;

-- A preview is kept by its hash (content-addressed: the same plan is one row) for a day, in its
-- hashed form, so that a submission bound to a hash that no longer matches can be told what
-- changed since. It names no request, holds no address and starts nothing.
CREATE TABLE plan_previews (
  plan_hash   text PRIMARY KEY,
  hashed      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_previews_created_at ON plan_previews (created_at);
