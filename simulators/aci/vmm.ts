/**
 * The APIC's VMware VMM integration, as far as the lab needs it: an EPG bound to a VMware VMM
 * domain (`fvRsDomAtt` with tDn `uni/vmmp-VMware/dom-<switch>`) gets a distributed port group on
 * that domain's switch in vCenter, named `<tenant>|<application profile>|<EPG>` or the relation's
 * `customEpgName`, carrying the relation's VLAN; when the binding or the EPG goes, the APIC takes
 * the port group away again, except while VMs are still attached to it (vCenter refuses, and the
 * APIC keeps it, raises a fault, and takes it away at a later change once the VMs are gone).
 * Both simulators share the world, so the port group appears
 * in the vCenter simulator exactly as the APIC would have pushed it.
 * https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/5x/virtualization-configuration/cisco-aci-virtualization-guide-52x/m-vmm-integration.html
 */
import type { World } from '../world';
import type { MoTable } from './tree';

const VMM_DOMAIN = /^uni\/vmmp-VMware\/dom-([^/]+)$/;
const EPG_DN = /^uni\/tn-([^/]+)\/ap-([^/]+)\/epg-([^/]+)$/;

/** A port group the APIC made, by the dn of the relation that asked for it. */
export interface VmmPortGroup {
  network: string;
  name: string;
  domain: string;
  vlan: number | null;
}

interface Wanted {
  name: string;
  domain: string;
  vlan: number | null;
}

/** The port groups the tree asks for: one per EPG binding to an existing VMware VMM domain. */
function wanted(mos: MoTable): Map<string, Wanted> {
  const out = new Map<string, Wanted>();
  for (const [dn, mo] of Object.entries(mos)) {
    if (mo.className !== 'fvRsDomAtt') continue;
    const domain = VMM_DOMAIN.exec(mo.attrs.tDn ?? '');
    const epgDn = dn.slice(0, dn.lastIndexOf('/rsdomAtt-['));
    const epg = EPG_DN.exec(epgDn);
    if (!domain || !epg || !mos[mo.attrs.tDn!]) continue;
    const vlan = /^vlan-(\d+)$/.exec(mo.attrs.encap ?? '');
    out.set(dn, {
      name: mo.attrs.customEpgName || `${epg[1]}|${epg[2]}|${epg[3]}`,
      domain: domain[1]!,
      vlan: vlan ? Number(vlan[1]) : null,
    });
  }
  return out;
}

/**
 * Brings vCenter's port groups in line with the tree, as the APIC does after each change; call it
 * inside the `world.change` that changed the tree.
 */
export function syncVmmPortGroups(world: World, mos: MoTable, made: Record<string, VmmPortGroup>): void {
  const vc = world.state.vcenter;
  const want = wanted(mos);
  const inUse = (network: string) =>
    Object.values(vc.vms).some((vm) => Object.values(vm.nics).some((nic) => nic.backing.network === network));
  for (const [dn, group] of Object.entries(made)) {
    const w = want.get(dn);
    if (w && w.domain === group.domain) {
      vc.networks[group.network]!.name = w.name;
      made[dn] = { ...group, name: w.name, vlan: w.vlan };
      want.delete(dn);
    } else if (!inUse(group.network)) {
      delete vc.networks[group.network];
      delete made[dn];
    }
  }
  const datacenter = Object.values(vc.datacenters)[0];
  if (!datacenter) return;
  for (const [dn, w] of want) {
    const network = `dvportgroup-${vc.next_moref++}`;
    vc.networks[network] = {
      network,
      name: w.name,
      type: 'DISTRIBUTED_PORTGROUP',
      datacenter: datacenter.datacenter,
      folder: datacenter.network_folder,
    };
    made[dn] = { network, ...w };
  }
}
