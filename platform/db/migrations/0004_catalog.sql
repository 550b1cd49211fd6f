-- The catalog a request is validated against before anything runs: the OS images users may ask
-- for, the limits of each resource type, the networks with their address pools, and the admin
-- placement matrix of compute cluster x datastore. Rows come from the installation's inventory
-- (the lab seed for the simulators, resource-handlers/store/seed.ts); the schema holds no data.

-- An OS image a user may name; `template_name` is what AWX and vCenter build from.
CREATE TABLE catalog_os_images (
  name           text PRIMARY KEY,
  description    text NOT NULL DEFAULT '',
  os_type        text NOT NULL CHECK (os_type IN ('linux', 'windows')),
  os_family      text NOT NULL,
  template_name  text NOT NULL,
  -- vSphere API guest id (rhel9_64Guest), as Terraform's vsphere provider wants it.
  guest_id       text NOT NULL,
  firmware       text NOT NULL CHECK (firmware IN ('bios', 'efi')),
  -- The image's own disk: a first disk smaller than this cannot hold it.
  min_disk_gb    integer NOT NULL CHECK (min_disk_gb > 0),
  enabled        boolean NOT NULL DEFAULT true
);

-- Per resource type limits, by name (cpu, memoryGb, diskCount, diskSizeGb, leaseDays, ...):
-- a new resource type adds rows, not columns.
CREATE TABLE catalog_limits (
  resource_type  text NOT NULL,
  name           text NOT NULL,
  min_value      numeric NOT NULL,
  max_value      numeric NOT NULL,
  CHECK (min_value <= max_value),
  PRIMARY KEY (resource_type, name)
);

-- A network (vCenter portgroup) requests may name, with the addressing the IPAM hands out:
-- addresses are allocated from range_start..range_end, never the gateway.
CREATE TABLE catalog_networks (
  name         text PRIMARY KEY,
  datacenter   text NOT NULL,
  cidr         cidr NOT NULL CHECK (family(cidr) = 4),
  gateway      inet NOT NULL,
  dns_servers  inet[] NOT NULL DEFAULT '{}',
  dns_domain   text NOT NULL DEFAULT '',
  vlan         integer CHECK (vlan BETWEEN 0 AND 4094),
  range_start  inet NOT NULL,
  range_end    inet NOT NULL,
  enabled      boolean NOT NULL DEFAULT true,
  CHECK (gateway << cidr),
  CHECK (range_start << cidr AND range_end << cidr),
  CHECK (range_start <= range_end)
);

-- Compute clusters and datastores placement may choose from; `vm_folder` is the VM folder
-- (relative to the datacenter's VM root) new VMs on that cluster go into.
CREATE TABLE catalog_clusters (
  name        text PRIMARY KEY,
  datacenter  text NOT NULL,
  vm_folder   text NOT NULL
);

CREATE TABLE catalog_datastores (
  name        text PRIMARY KEY,
  datacenter  text NOT NULL
);

-- The admin placement matrix: which cluster x datastore pairs new VMs may use, and how strongly
-- each allowed pair is preferred (a higher weight takes a larger share of new VMs).
CREATE TABLE placement_matrix (
  cluster     text NOT NULL REFERENCES catalog_clusters (name) ON DELETE CASCADE,
  datastore   text NOT NULL REFERENCES catalog_datastores (name) ON DELETE CASCADE,
  allowed     boolean NOT NULL,
  weight      integer NOT NULL DEFAULT 100 CHECK (weight >= 0),
  updated_by  text NOT NULL DEFAULT 'seed',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster, datastore)
);
