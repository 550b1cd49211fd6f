/**
 * The IPv4 arithmetic the handlers and the lab seed need, on ipaddr.js's parser. Addresses are
 * dotted quads only: ipaddr.js alone would also read `10.1` or `0x0a.0.0.1`, which no network
 * catalog should hold.
 */
import ipaddr from 'ipaddr.js';

/** `10.20.0.0/24` → its address as a 32-bit number (to count hosts from) and its prefix length. */
export function parseCidr(cidr: string): { base: number; prefixLength: number } {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) throw new Error(`${cidr} is not an IPv4 CIDR`);
  const [base, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  return { base: base.toByteArray().reduce((value, octet) => value * 256 + octet, 0), prefixLength };
}

/** A 32-bit number → its dotted quad. */
export function numberToIpv4(value: number): string {
  return ipaddr.fromByteArray([24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256)).toString();
}

/** `24` → `255.255.255.0`. */
export function prefixToNetmask(prefixLength: number): string {
  return ipaddr.IPv4.subnetMaskFromPrefixLength(prefixLength).toString();
}
