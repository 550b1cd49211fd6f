-- Networks as resources. An admin permits where new networks may go: a tenant and VRF of ACI, the
-- ranges new subnets are cut from (and how large they may be), the VMM domain (vCenter distributed
-- switch) whose port groups VMs attach to, the VLANs it may use, and the DNS the new subnets hand
-- out. A network a request builds registers its subnet as an address pool in catalog_networks,
-- marked built_by_trace, so the IPAM hands out its addresses and validation offers it to VMs; the
-- pool is reserved (disabled) when the request prepares the network, enabled once it is built,
-- and deleted with it.
CREATE TABLE network_permits (
  name          text PRIMARY KEY,
  tenant        text NOT NULL,
  vrf           text NOT NULL,
  -- The range new subnets are cut from.
  cidr          cidr NOT NULL CHECK (family(cidr) = 4),
  min_prefix    integer NOT NULL CHECK (min_prefix BETWEEN 8 AND 30),
  max_prefix    integer NOT NULL CHECK (max_prefix BETWEEN 8 AND 30),
  datacenter    text NOT NULL,
  vmm_domain    text NOT NULL,
  vlan_min      integer NOT NULL CHECK (vlan_min BETWEEN 1 AND 4094),
  vlan_max      integer NOT NULL CHECK (vlan_max BETWEEN 1 AND 4094),
  dns_servers   inet[] NOT NULL DEFAULT '{}',
  dns_domain    text NOT NULL DEFAULT '',
  enabled       boolean NOT NULL DEFAULT true,
  updated_by    text NOT NULL DEFAULT 'seed',
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (min_prefix <= max_prefix AND masklen(cidr) <= min_prefix),
  CHECK (vlan_min <= vlan_max)
);

-- Set for a pool a network resource registered: the trace that built it (null: the admin's own).
ALTER TABLE catalog_networks ADD COLUMN built_by_trace text;
-- Set for a pool a network resource registered: the ACI tenant and VRF it lives in.
ALTER TABLE catalog_networks ADD COLUMN tenant text;
ALTER TABLE catalog_networks ADD COLUMN vrf text;
-- Two built networks never share a VLAN of one switch.
CREATE UNIQUE INDEX catalog_networks_built_vlan ON catalog_networks (datacenter, vlan)
  WHERE built_by_trace IS NOT NULL;
