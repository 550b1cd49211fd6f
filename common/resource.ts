/**
 * Which template builds and which removes a resource, by resource type and how it is managed.
 * Pure data shared by the request workflow (which resolves the template to run), the resource
 * handlers (which name it in the metadata file committed beside the common format) and the
 * template files (named exactly so). No imports: safe in the workflow bundle.
 */

export interface ResourceTemplates {
  create: string;
  remove: string;
}

/** Templates by resource type, then by `managed` (Terraform) or `unmanaged` (AWX). */
export const resourceTemplates = {
  virtual_machine: {
    unmanaged: { create: 'vm-create-unmanaged', remove: 'vm-delete-unmanaged' },
    managed: { create: 'vm-create-managed', remove: 'vm-delete-managed' },
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

/** The template that creates or removes a resource of `type`; undefined for a type without templates. */
export function templateFor(type: string, managed: boolean, action: 'create' | 'remove'): string | undefined {
  const byManagement = (
    resourceTemplates as Record<string, { unmanaged: ResourceTemplates; managed: ResourceTemplates }>
  )[type];
  return byManagement?.[managed ? 'managed' : 'unmanaged'][action];
}
