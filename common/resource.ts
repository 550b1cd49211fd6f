/**
 * Which template builds, removes and changes a resource, by resource type and how it is managed.
 * Pure data shared by the request workflow (which resolves the template to run), the resource
 * handlers (which name it in the metadata file committed beside the common format) and the
 * template files (named exactly so). No imports: safe in the workflow bundle.
 */

export interface ResourceTemplates {
  create: string;
  remove: string;
  /** A day-2 change of its size (CPU, memory, disks); a type without it has no such change. */
  update?: string;
  /** A day-2 power action (on, off, restart); a type without it has no such action. */
  power?: string;
}

/** What a request may do to a resource: build it, remove it, or change it after it was built (day 2). */
export const resourceActions = ['create', 'delete', 'update', 'power'] as const;
export type ResourceActionName = (typeof resourceActions)[number];

/** The day-2 actions: they change a resource that exists, in its workflow's turn. */
export const changeActions = ['update', 'power'] as const;
export type ChangeAction = (typeof changeActions)[number];

/** Whether an action changes an existing resource (rather than building or removing it). */
export function isChange(action: string): action is ChangeAction {
  return (changeActions as readonly string[]).includes(action);
}

/** The power actions a `power` request asks for. */
export const powerActions = ['on', 'off', 'restart'] as const;
export type PowerAction = (typeof powerActions)[number];

/** Templates by resource type, then by `managed` (Terraform) or `unmanaged` (AWX). */
export const resourceTemplates = {
  virtual_machine: {
    unmanaged: {
      create: 'vm-create-unmanaged',
      remove: 'vm-delete-unmanaged',
      update: 'vm-update-unmanaged',
      power: 'vm-power-unmanaged',
    },
    managed: {
      create: 'vm-create-managed',
      remove: 'vm-delete-managed',
      update: 'vm-update-managed',
      power: 'vm-power-managed',
    },
  },
  // A network is built the same way whatever `managed` says: ACI, the port group, the pool.
  network: {
    unmanaged: { create: 'network-create', remove: 'network-delete' },
    managed: { create: 'network-create', remove: 'network-delete' },
  },
} as const satisfies Record<string, { unmanaged: ResourceTemplates; managed: ResourceTemplates }>;

export type TemplatedResourceType = keyof typeof resourceTemplates;

/**
 * The AWX job template that configures a built resource of a type (baseline configuration,
 * registration in monitoring), by type: Terraform or AWX builds, Ansible configures. Recorded in
 * the metadata file beside the common format, where the build templates read it; a type absent
 * here is not configured.
 */
export const configurationJobTemplates: Readonly<Record<string, string>> = {
  virtual_machine: 'vm-configure',
};

/** The template that creates, removes or changes a resource of `type`; undefined for a type without templates. */
export function templateFor(
  type: string,
  managed: boolean,
  action: keyof ResourceTemplates,
): string | undefined {
  const byManagement = (
    resourceTemplates as Record<string, { unmanaged: ResourceTemplates; managed: ResourceTemplates }>
  )[type];
  return byManagement?.[managed ? 'managed' : 'unmanaged'][action];
}
