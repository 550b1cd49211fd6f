/** IPv4 arithmetic the handlers need (netmasks, containment), pure and dependency-free. */

/** The 32-bit number of a dotted-quad address; throws on anything else. */
export function ipv4ToNumber(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new Error(`${address} is not an IPv4 address`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new Error(`${address} is not an IPv4 address`);
    value = value * 256 + Number(part);
  }
  return value;
}

export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `10.20.0.0/24` → base address and prefix length. */
export function parseCidr(cidr: string): { base: number; prefixLength: number } {
  const [address, bits] = cidr.split('/');
  const prefixLength = Number(bits);
  if (!address || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32)
    throw new Error(`${cidr} is not an IPv4 CIDR`);
  return { base: ipv4ToNumber(address), prefixLength };
}

/** `24` → `255.255.255.0`. */
export function prefixToNetmask(prefixLength: number): string {
  return numberToIpv4(prefixLength === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefixLength));
}

/** Whether `address` lies inside `cidr`. */
export function cidrContains(cidr: string, address: string): boolean {
  const { base, prefixLength } = parseCidr(cidr);
  const size = 2 ** (32 - prefixLength);
  const start = base - (base % size);
  const n = ipv4ToNumber(address);
  return n >= start && n < start + size;
}
