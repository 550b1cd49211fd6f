-- IP addresses handed to resources. A row is live until released_at is set; history stays.
-- The schema itself refuses two live allocations of one address on a network, and two live
-- allocations for one resource, so no race in application code can hand an address out twice.
CREATE TABLE ip_allocations (
  id                   bigserial PRIMARY KEY,
  network              text NOT NULL REFERENCES catalog_networks (name),
  address              inet NOT NULL CHECK (family(address) = 4 AND masklen(address) = 32),
  resource_type        text NOT NULL,
  resource_name        text NOT NULL,
  request_id           text NOT NULL,
  trace_id             text NOT NULL,
  allocated_at         timestamptz NOT NULL DEFAULT now(),
  released_at          timestamptz,
  released_by_request  text,
  CHECK (released_at IS NULL OR released_at >= allocated_at)
);
CREATE UNIQUE INDEX ip_allocations_live_address ON ip_allocations (network, address)
  WHERE released_at IS NULL;
CREATE UNIQUE INDEX ip_allocations_live_resource ON ip_allocations (resource_type, resource_name)
  WHERE released_at IS NULL;
CREATE INDEX ip_allocations_request ON ip_allocations (request_id);
CREATE INDEX ip_allocations_trace ON ip_allocations (trace_id);
