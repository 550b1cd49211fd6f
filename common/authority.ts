/**
 * Who may act on a resource. One rule, read by the API before it records a request and by the
 * request workflow's preparation before it acts: a resource's owner, the members of its group
 * and admins act on it; to anyone else it does not exist. Pure (no Node imports).
 */

/** The roles of people, lowest to highest: what a portal sign-in (a token, OpenID Connect) may carry. */
export const personRoles = ['requester', 'approver', 'operator', 'admin'] as const;
export type PersonRole = (typeof personRoles)[number];

/**
 * The roles a token carries: a person's, or `machine`, a monitoring system's, which calls the
 * hooks (`/v1/hooks/…`) and nothing else, and acts through what an admin defined (a scaling group).
 */
export const roles = [...personRoles, 'machine'] as const;
export type Role = (typeof roles)[number];

/** Who asks for an action: a token's subject, role and groups. */
export interface Actor {
  subject: string;
  role: Role;
  groups: readonly string[];
}

/** Whose a resource is. */
export interface Ownership {
  owner: string;
  /** Its members act on the resource as its owner. */
  group: string | null;
}

/** Whether `actor` may act on a resource owned as `ownership` says. */
export function mayActOn(actor: Actor, ownership: Ownership): boolean {
  return (
    actor.role === 'admin' ||
    actor.subject === ownership.owner ||
    (ownership.group !== null && actor.groups.includes(ownership.group))
  );
}

/** Whether `actor` may give a resource the group `group`: one of their own, or any for an admin. */
export function mayGiveGroup(actor: Actor, group: string): boolean {
  return actor.role === 'admin' || actor.groups.includes(group);
}

/**
 * What a resource that does not exist is called, and so what one the caller may not act on is
 * called too: the same words, so names cannot be probed.
 */
export function absentResource(type: string, name: string): string {
  return `no ${type} named ${name}`;
}
