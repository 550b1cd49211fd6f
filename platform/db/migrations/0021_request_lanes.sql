-- The lane of a request's workflow is chosen at its start by how many of its requester's requests
-- are received or running (api/starter.ts, `laneOf`; docs/waits.md, "Two lanes"): this index
-- answers that from the unfinished requests alone, however many a requester made before.
CREATE INDEX requests_working_by_requester ON requests (requester) WHERE status IN ('received', 'running');
