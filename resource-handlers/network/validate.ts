/**
 * Checks a schema-valid network input against what the admin permits and what exists: the tenant
 * and VRF are permitted, the subnet is a network address inside a permitted range and of a
 * permitted size, it overlaps no network (the catalog's, or one built or being built), the name
 * is no other network's, the lease ends in the future. Pure: the catalog and the clock are arguments.
 */
import ipaddr from 'ipaddr.js';
import type { CatalogSnapshot, FieldProblem, NetworkPermit, ValidationContext } from '../types';
import type { NetworkInput } from './input';

type Cidr = [ipaddr.IPv4, number];

function parse(cidr: string): Cidr | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) return undefined;
  return ipaddr.IPv4.parseCIDR(cidr);
}

/** Two subnets overlap when either holds the other's first address. */
export function subnetsOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  return !!x && !!y && (x[0].match(y) || y[0].match(x));
}

function describePermit(p: NetworkPermit): string {
  return `${p.cidr} (/${p.minPrefix} to /${p.maxPrefix})`;
}

const list = (names: string[]) => (names.length ? [...new Set(names)].sort().join(', ') : 'none');

/** The permit that allows this input's subnet, if any. */
export function permitFor(input: NetworkInput, catalog: CatalogSnapshot): NetworkPermit | undefined {
  const subnet = parse(input.subnet);
  if (!subnet) return undefined;
  return Object.values(catalog.networkPermits ?? {}).find(
    (p) =>
      p.enabled &&
      p.tenant === input.tenant &&
      p.vrf === input.vrf &&
      subnet[1] >= p.minPrefix &&
      subnet[1] <= p.maxPrefix &&
      subnet[0].match(ipaddr.IPv4.parseCIDR(p.cidr)),
  );
}

/** The field problems of one network; paths are relative to the resource (`subnet`, `vrf`). */
export function validateNetwork(
  input: NetworkInput,
  catalog: CatalogSnapshot,
  ctx: ValidationContext,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const permits = Object.values(catalog.networkPermits ?? {}).filter((p) => p.enabled);
  const inTenant = permits.filter((p) => p.tenant === input.tenant);
  const inVrf = inTenant.filter((p) => p.vrf === input.vrf);
  if (!inTenant.length)
    add(
      'tenant',
      `tenant '${input.tenant}' is not permitted for new networks; allowed: ${list(permits.map((p) => p.tenant))}`,
    );
  else if (!inVrf.length)
    add(
      'vrf',
      `VRF '${input.vrf}' is not permitted in tenant ${input.tenant}; allowed: ${list(inTenant.map((p) => p.vrf))}`,
    );

  // Our own earlier reservation (a re-run in the request's trace) is neither a clash nor an overlap.
  const others = Object.values(catalog.networks).filter((n) => !(n.builtBy && n.name === input.name));
  const subnet = parse(input.subnet);
  if (!subnet) add('subnet', `'${input.subnet}' is not an IPv4 subnet like 10.30.1.0/24`);
  else {
    const network = ipaddr.IPv4.networkAddressFromCIDR(input.subnet).toString();
    if (network !== input.subnet.split('/')[0])
      add('subnet', `'${input.subnet}' is not a network address; did you mean ${network}/${subnet[1]}?`);
    else if (inVrf.length && !permitFor(input, catalog))
      add(
        'subnet',
        `${input.subnet} is outside the ranges permitted for tenant ${input.tenant}, VRF ${input.vrf}: ${inVrf.map(describePermit).join(', ')}`,
      );
    const overlapping = others.filter((n) => subnetsOverlap(n.cidr, input.subnet));
    if (overlapping.length)
      add('subnet', `${input.subnet} overlaps ${overlapping.map((n) => `${n.name} (${n.cidr})`).join(', ')}`);
  }
  const clash = others.find((n) => n.name.toLowerCase() === input.name.toLowerCase());
  if (clash) add('name', `a network named ${clash.name} already exists`);
  if (input.leaseEnd !== undefined && Date.parse(input.leaseEnd) <= ctx.now.getTime())
    add('leaseEnd', 'must be in the future');
  return problems;
}
