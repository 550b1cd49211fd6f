/** Inputs users write, run by the handler's tests against the lab catalog. */
import type { HandlerExample } from '../types';
import type { NetworkRequest } from './input';

export const networkExamples: HandlerExample<NetworkRequest>[] = [
  {
    description: 'A /24 for an application in the lab tenant',
    input: { type: 'network', name: 'shop-web', tenant: 'Lab', vrf: 'lab_vrf', subnet: '10.30.1.0/24' },
  },
  {
    description: 'A small /28 with a description, a lease and people to notify',
    input: {
      type: 'network',
      name: 'build-agents',
      tenant: 'Lab',
      vrf: 'lab_vrf',
      subnet: '10.30.200.16/28',
      description: 'CI build agents',
      leaseEnd: '2030-03-31T18:00:00Z',
      notify: ['ci@example.com'],
    },
  },
];
