/**
 * The slice of the APIC management information model the simulator serves: for each class its
 * relative-name format, the parent classes it may live under, its configurable properties with
 * defaults and allowed values, and for relation classes how the target is named. Everything the
 * APIC would reject (unknown class, unknown attribute, value outside an enum, bad name) is decided
 * here, so the tree code stays generic.
 */

/** How a property's value is checked on write. */
type PropCheck =
  | { kind: 'free' }
  | { kind: 'name' }
  | { kind: 'enum'; values: readonly string[] }
  /** Comma-separated list of enum values (fvSubnet.scope is "private,shared"). */
  | { kind: 'flags'; values: readonly string[] }
  | { kind: 'encap' }
  | { kind: 'cidr' };

interface PropSpec {
  default: string;
  check: PropCheck;
}

/** How a relation MO names its target, so reads can show `tDn` and `state` as the APIC does. */
export type RelationSpec =
  /** By name, looked up in the MO's tenant and then in tenant `common` (fvRsCtx, fvRsBd, …). */
  | { by: 'name'; prop: string; targetClass: string; targetRn: (name: string) => string }
  /** By dn in `tDn` (fvRsDomAtt, fvRsPathAtt). */
  | { by: 'dn'; targetClass: string };

/** One class of the model. */
export interface MoClassSpec {
  className: string;
  /** Classes this one may be a child of. */
  parents: readonly string[];
  /** The naming property, absent for classes with a fixed rn (fvRsCtx is always `rsctx`). */
  namingProp?: string;
  /** rn = prefix + naming value, or prefix + `[` + value + `]` when bracketed, or prefix alone. */
  rnPrefix: string;
  bracketed?: boolean;
  /** Configurable properties (accepted on write), with defaults filled on create. */
  props: Record<string, PropSpec>;
  /** Read-only properties shown on reads with these values. */
  computed: Record<string, string>;
  relation?: RelationSpec;
}

const free = (value = ''): PropSpec => ({ default: value, check: { kind: 'free' } });
const oneOf = (def: string, ...values: string[]): PropSpec => ({
  default: def,
  check: { kind: 'enum', values },
});
const yesNo = (def: 'yes' | 'no'): PropSpec => oneOf(def, 'yes', 'no');
const prio = oneOf('unspecified', 'unspecified', 'level1', 'level2', 'level3', 'level4', 'level5', 'level6');

/** Properties every configurable policy object accepts. */
const policyProps = (): Record<string, PropSpec> => ({
  descr: free(),
  nameAlias: free(),
  annotation: free(),
  ownerKey: free(),
  ownerTag: free(),
  userdom: free(':all:'),
});

const namedProps = (): Record<string, PropSpec> => ({
  name: { default: '', check: { kind: 'name' } },
  ...policyProps(),
});

const relationComputed = (tCl: string): Record<string, string> => ({
  forceResolve: 'yes',
  rType: 'mo',
  tCl,
  tContextDn: '',
  tRn: '',
  tType: 'name',
  stateQual: 'none',
  extMngdBy: '',
});

const classes: MoClassSpec[] = [
  {
    className: 'polUni',
    parents: [],
    rnPrefix: 'uni',
    props: { ...policyProps(), name: free() },
    computed: {},
  },
  {
    className: 'fvTenant',
    parents: ['polUni'],
    namingProp: 'name',
    rnPrefix: 'tn-',
    props: namedProps(),
    computed: { extMngdBy: '', monPolDn: 'uni/tn-common/monepg-default' },
  },
  {
    className: 'fvCtx',
    parents: ['fvTenant'],
    namingProp: 'name',
    rnPrefix: 'ctx-',
    props: {
      ...namedProps(),
      pcEnfPref: oneOf('enforced', 'enforced', 'unenforced'),
      pcEnfDir: oneOf('ingress', 'ingress', 'egress'),
      bdEnforcedEnable: yesNo('no'),
      ipDataPlaneLearning: oneOf('enabled', 'enabled', 'disabled'),
      knwMcastAct: oneOf('permit', 'permit', 'deny'),
    },
    computed: { pcTag: '16386', scope: '2981888', seg: '2981888', extMngdBy: '', monPolDn: '' },
  },
  {
    className: 'fvBD',
    parents: ['fvTenant'],
    namingProp: 'name',
    rnPrefix: 'BD-',
    props: {
      ...namedProps(),
      unicastRoute: yesNo('yes'),
      arpFlood: yesNo('no'),
      unkMacUcastAct: oneOf('proxy', 'proxy', 'flood'),
      unkMcastAct: oneOf('flood', 'flood', 'opt-flood'),
      v6unkMcastAct: oneOf('flood', 'flood', 'opt-flood'),
      limitIpLearnToSubnets: yesNo('yes'),
      ipLearning: yesNo('yes'),
      mac: free('00:22:BD:F8:19:FF'),
      llAddr: free('::'),
      multiDstPktAct: oneOf('bd-flood', 'bd-flood', 'encap-flood', 'drop'),
      epMoveDetectMode: oneOf('', '', 'garp'),
      epClear: yesNo('no'),
      type: oneOf('regular', 'regular', 'fc'),
      hostBasedRouting: yesNo('no'),
      intersiteBumTrafficAllow: yesNo('no'),
      intersiteL2Stretch: yesNo('no'),
      optimizeWanBandwidth: yesNo('no'),
      ipv6McastAllow: yesNo('no'),
      mcastAllow: yesNo('no'),
    },
    computed: {
      pcTag: '32770',
      scope: '2981888',
      seg: '16154554',
      bcastP: '225.0.56.16',
      vmac: 'not-applicable',
    },
  },
  {
    className: 'fvRsCtx',
    parents: ['fvBD'],
    rnPrefix: 'rsctx',
    props: { tnFvCtxName: free(), annotation: free() },
    computed: relationComputed('fvCtx'),
    relation: { by: 'name', prop: 'tnFvCtxName', targetClass: 'fvCtx', targetRn: (n) => `ctx-${n}` },
  },
  {
    className: 'fvSubnet',
    parents: ['fvBD', 'fvAEPg'],
    namingProp: 'ip',
    rnPrefix: 'subnet-',
    bracketed: true,
    props: {
      ...policyProps(),
      ip: { default: '', check: { kind: 'cidr' } },
      name: free(),
      scope: { default: 'private', check: { kind: 'flags', values: ['private', 'public', 'shared'] } },
      preferred: yesNo('no'),
      virtual: yesNo('no'),
      ctrl: { default: 'nd', check: { kind: 'flags', values: ['', 'nd', 'querier', 'no-default-gateway'] } },
      ipDPLearning: oneOf('enabled', 'enabled', 'disabled'),
    },
    computed: { extMngdBy: '', monPolDn: '' },
  },
  {
    className: 'fvAp',
    parents: ['fvTenant'],
    namingProp: 'name',
    rnPrefix: 'ap-',
    props: { ...namedProps(), prio },
    computed: { extMngdBy: '', monPolDn: 'uni/tn-common/monepg-default' },
  },
  {
    className: 'fvAEPg',
    parents: ['fvAp'],
    namingProp: 'name',
    rnPrefix: 'epg-',
    props: {
      ...namedProps(),
      prio,
      floodOnEncap: oneOf('disabled', 'disabled', 'enabled'),
      matchT: oneOf('AtleastOne', 'AtleastOne', 'AtmostOne', 'None', 'All'),
      pcEnfPref: oneOf('unenforced', 'enforced', 'unenforced'),
      prefGrMemb: oneOf('exclude', 'include', 'exclude'),
      isAttrBasedEPg: yesNo('no'),
      shutdown: yesNo('no'),
      hasMcastSource: yesNo('no'),
      exceptionTag: free(),
      fwdCtrl: free(),
    },
    computed: {
      pcTag: '49153',
      scope: '2981888',
      configSt: 'applied',
      configIssues: '',
      isSharedSrvMsiteEPg: 'no',
      extMngdBy: '',
      monPolDn: 'uni/tn-common/monepg-default',
    },
  },
  {
    className: 'fvRsBd',
    parents: ['fvAEPg'],
    rnPrefix: 'rsbd',
    props: { tnFvBDName: free(), annotation: free() },
    computed: relationComputed('fvBD'),
    relation: { by: 'name', prop: 'tnFvBDName', targetClass: 'fvBD', targetRn: (n) => `BD-${n}` },
  },
  {
    className: 'fvRsDomAtt',
    parents: ['fvAEPg'],
    namingProp: 'tDn',
    rnPrefix: 'rsdomAtt-',
    bracketed: true,
    props: {
      tDn: free(),
      annotation: free(),
      resImedcy: oneOf('lazy', 'immediate', 'lazy', 'pre-provision'),
      instrImedcy: oneOf('lazy', 'immediate', 'lazy'),
      encap: { default: 'unknown', check: { kind: 'encap' } },
      primaryEncap: { default: 'unknown', check: { kind: 'encap' } },
      encapMode: oneOf('auto', 'auto', 'vlan', 'vxlan'),
      classPref: oneOf('encap', 'encap', 'useg'),
      untagged: yesNo('no'),
      netflowPref: oneOf('disabled', 'disabled', 'enabled'),
      switchingMode: oneOf('native', 'native', 'AVE'),
      bindingType: oneOf('none', 'none', 'staticBinding', 'dynamicBinding', 'ephemeral'),
      portAllocation: oneOf('none', 'none', 'elastic', 'fixed'),
      numPorts: free('0'),
      delimiter: free(),
      customEpgName: free(),
      lagPolicyName: free(),
    },
    computed: { ...relationComputed('infraDomP'), tType: 'mo' },
    relation: { by: 'dn', targetClass: 'infraDomP' },
  },
  {
    className: 'fvRsPathAtt',
    parents: ['fvAEPg'],
    namingProp: 'tDn',
    rnPrefix: 'rspathAtt-',
    bracketed: true,
    props: {
      tDn: free(),
      descr: free(),
      annotation: free(),
      encap: { default: 'unknown', check: { kind: 'encap' } },
      primaryEncap: { default: 'unknown', check: { kind: 'encap' } },
      mode: oneOf('regular', 'regular', 'native', 'untagged'),
      instrImedcy: oneOf('lazy', 'immediate', 'lazy'),
    },
    computed: { ...relationComputed('fabricPathEp'), tType: 'mo' },
    relation: { by: 'dn', targetClass: 'fabricPathEp' },
  },
  {
    className: 'fvRsCons',
    parents: ['fvAEPg'],
    namingProp: 'tnVzBrCPName',
    rnPrefix: 'rscons-',
    props: { tnVzBrCPName: { default: '', check: { kind: 'name' } }, annotation: free(), prio },
    computed: relationComputed('vzBrCP'),
    relation: { by: 'name', prop: 'tnVzBrCPName', targetClass: 'vzBrCP', targetRn: (n) => `brc-${n}` },
  },
  {
    className: 'fvRsProv',
    parents: ['fvAEPg'],
    namingProp: 'tnVzBrCPName',
    rnPrefix: 'rsprov-',
    props: {
      tnVzBrCPName: { default: '', check: { kind: 'name' } },
      annotation: free(),
      prio,
      matchT: oneOf('AtleastOne', 'AtleastOne', 'AtmostOne', 'None', 'All'),
    },
    computed: relationComputed('vzBrCP'),
    relation: { by: 'name', prop: 'tnVzBrCPName', targetClass: 'vzBrCP', targetRn: (n) => `brc-${n}` },
  },
  {
    className: 'vzBrCP',
    parents: ['fvTenant'],
    namingProp: 'name',
    rnPrefix: 'brc-',
    props: {
      ...namedProps(),
      prio,
      scope: oneOf('context', 'context', 'tenant', 'global', 'application-profile'),
      targetDscp: free('unspecified'),
    },
    computed: { extMngdBy: '', monPolDn: '' },
  },
  {
    className: 'vmmProvP',
    parents: ['polUni'],
    namingProp: 'vendor',
    rnPrefix: 'vmmp-',
    props: { vendor: oneOf('VMware', 'VMware', 'Microsoft', 'OpenStack', 'Kubernetes'), annotation: free() },
    computed: {},
  },
  {
    className: 'vmmDomP',
    parents: ['vmmProvP'],
    namingProp: 'name',
    rnPrefix: 'dom-',
    props: {
      ...namedProps(),
      mode: oneOf('default', 'default', 'n1kv', 'ovs', 'k8s'),
      enfPref: oneOf('hw', 'hw', 'sw', 'unknown'),
      encapMode: oneOf('unknown', 'unknown', 'vlan', 'vxlan'),
    },
    computed: { configIssues: '', extMngdBy: '', monPolDn: 'uni/fabric/monfab-default' },
  },
  {
    className: 'physDomP',
    parents: ['polUni'],
    namingProp: 'name',
    rnPrefix: 'phys-',
    props: namedProps(),
    computed: { configIssues: '', extMngdBy: '', monPolDn: 'uni/fabric/monfab-default' },
  },
];

/** The model, by class name. */
export const moClasses: ReadonlyMap<string, MoClassSpec> = new Map(classes.map((c) => [c.className, c]));

/** Properties that may appear on any MO in a request body besides its class's own. */
export const controlProps = new Set(['dn', 'rn', 'status', 'childAction']);

/** A rejection in the APIC's own terms: HTTP status, error code and text. */
export class ApicError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly text: string,
  ) {
    super(text);
  }
}

/** Splits a dn into rns, keeping bracketed parts whole (`rspathAtt-[topology/…/pathep-[eth1/1]]`). */
export function splitDn(dn: string): string[] {
  const rns: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of dn) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === '/' && depth === 0) {
      rns.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  rns.push(current);
  return rns;
}

/** The rn of an MO of `spec` named `value`. */
export function rnFor(spec: MoClassSpec, value: string | undefined): string {
  if (!spec.namingProp) return spec.rnPrefix;
  return spec.bracketed ? `${spec.rnPrefix}[${value ?? ''}]` : `${spec.rnPrefix}${value ?? ''}`;
}

/** Which class an rn names under a parent of class `parentClass`, and its naming value. */
export function classifyRn(
  parentClass: string | undefined,
  rn: string,
): { spec: MoClassSpec; namingValue?: string } | undefined {
  for (const spec of classes) {
    const fits = parentClass === undefined ? spec.parents.length === 0 : spec.parents.includes(parentClass);
    if (!fits) continue;
    if (!spec.namingProp) {
      if (rn === spec.rnPrefix) return { spec };
      continue;
    }
    if (!rn.startsWith(spec.rnPrefix)) continue;
    const rest = rn.slice(spec.rnPrefix.length);
    if (spec.bracketed) {
      if (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2) {
        return { spec, namingValue: rest.slice(1, -1) };
      }
      continue;
    }
    if (rest.length > 0) return { spec, namingValue: rest };
  }
  return undefined;
}

/** The class of every rn along `dn`, or undefined when some rn is outside the model. */
export function classifyDn(dn: string): { spec: MoClassSpec; namingValue?: string }[] | undefined {
  const result: { spec: MoClassSpec; namingValue?: string }[] = [];
  let parentClass: string | undefined;
  for (const rn of splitDn(dn)) {
    const found = classifyRn(parentClass, rn);
    if (!found) return undefined;
    result.push(found);
    parentClass = found.spec.className;
  }
  return result;
}

/** The dn of the parent of `dn` (`uni` has none). */
export function parentDnOf(dn: string): string | undefined {
  const rns = splitDn(dn);
  return rns.length > 1 ? rns.slice(0, -1).join('/') : undefined;
}

const NAME = /^[a-zA-Z0-9_.:-]{1,64}$/;
const ENCAP = /^(unknown|vlan-(\d{1,4})|vxlan-\d+)$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

function validCidr(value: string): boolean {
  const v4 = IPV4_CIDR.exec(value);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(v4[5]) <= 32;
  }
  const v6 = IPV6_CIDR.exec(value);
  return v6 !== null && Number(v6[1]) <= 128 && value.includes(':');
}

/**
 * Checks one written attribute as the APIC would: unknown attribute (400), value outside the
 * allowed set (120), malformed name/ip/encap (801).
 */
export function checkAttribute(spec: MoClassSpec, dn: string, prop: string, value: unknown): string {
  if (controlProps.has(prop)) return String(value);
  const propSpec = spec.props[prop];
  if (!propSpec) {
    throw new ApicError(400, '400', `unknown attribute '${prop}' in element '${spec.className}'`);
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new ApicError(
      400,
      '400',
      `JSON parsing failed - attribute '${prop}' of '${spec.className}' is not a value`,
    );
  }
  const text = String(value);
  const invalid = () =>
    new ApicError(400, '801', `property ${prop} of ${dn} failed validation for value '${text}'`);
  const unknownValue = () =>
    new ApicError(
      400,
      '120',
      `unknown property value ${text}, name ${prop}, class ${spec.className} [(Dn0)] Dn0=${dn}, `,
    );
  const check = propSpec.check;
  switch (check.kind) {
    case 'free':
      break;
    case 'name':
      if (!NAME.test(text)) throw invalid();
      break;
    case 'enum':
      if (!check.values.includes(text)) throw unknownValue();
      break;
    case 'flags':
      if (!text.split(',').every((part) => check.values.includes(part))) throw unknownValue();
      break;
    case 'encap': {
      const m = ENCAP.exec(text);
      if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 4094))) throw invalid();
      break;
    }
    case 'cidr':
      if (!validCidr(text)) throw invalid();
      break;
  }
  return text;
}

/** Defaults of a new MO of `spec`. */
export function defaultAttributes(spec: MoClassSpec): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const [prop, propSpec] of Object.entries(spec.props)) attrs[prop] = propSpec.default;
  return attrs;
}
