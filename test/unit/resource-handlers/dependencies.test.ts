/**
 * The dependencies between the resources of one request, as the API resolves them before it
 * records anything: what each resource waits for, or every problem named by its path.
 */
import assert from 'node:assert/strict';
import { resolveDependencies, type DependencyNode } from '../../../resource-handlers/dependencies';

const vm = (name: string, network: string, dependsOn?: string[]): DependencyNode => ({
  type: 'virtual_machine',
  name,
  ...(dependsOn ? { dependsOn } : {}),
  references: [{ path: 'network', type: 'network', name: network }],
});
const net = (name: string, dependsOn?: string[]): DependencyNode => ({
  type: 'network',
  name,
  ...(dependsOn ? { dependsOn } : {}),
});

describe('resolveDependencies', () => {
  const accepted: { name: string; nodes: DependencyNode[]; dependsOn: number[][] }[] = [
    {
      name: 'nothing depends on anything',
      nodes: [vm('a', 'INTRANET_DEV'), vm('b', 'DMZ')],
      dependsOn: [[], []],
    },
    {
      name: 'a network and three VMs on it: each VM waits for the network, by its network field',
      nodes: [net('app-net'), vm('a', 'app-net'), vm('b', 'app-net'), vm('c', 'app-net')],
      dependsOn: [[], [0], [0], [0]],
    },
    {
      name: 'a network field naming a network of the catalog makes no dependency',
      nodes: [net('app-net'), vm('a', 'INTRANET_DEV')],
      dependsOn: [[], []],
    },
    {
      name: 'dependsOn names resources of any type; a name given twice counts once',
      nodes: [vm('db', 'DMZ'), vm('app', 'DMZ', ['db', 'db']), net('n', ['app'])],
      dependsOn: [[], [0], [1]],
    },
    {
      name: 'explicit and implicit together, the implicit one not repeated',
      nodes: [net('n'), vm('db', 'n'), vm('app', 'n', ['db', 'n'])],
      dependsOn: [[], [0], [1, 0]],
    },
  ];
  for (const c of accepted)
    it(`accepts: ${c.name}`, () => {
      const result = resolveDependencies(c.nodes);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.dependsOn, c.dependsOn);
    });

  const refused: { name: string; nodes: DependencyNode[]; problems: { path: string; message: RegExp }[] }[] =
    [
      {
        name: 'an unknown name',
        nodes: [vm('a', 'DMZ'), vm('b', 'DMZ'), vm('c', 'DMZ', ['a', 'nope'])],
        problems: [
          { path: 'body.resources.2.dependsOn.1', message: /no resource of this request is named nope/ },
        ],
      },
      {
        name: 'itself',
        nodes: [vm('a', 'DMZ', ['a'])],
        problems: [{ path: 'body.resources.0.dependsOn.0', message: /depends on itself/ }],
      },
      {
        name: 'a cycle, named once, where it closes',
        nodes: [vm('a', 'DMZ', ['c']), vm('b', 'DMZ', ['a']), vm('c', 'DMZ', ['b'])],
        problems: [{ path: 'body.resources.0.dependsOn.0', message: /cycle: a → c → b → a/ }],
      },
      {
        name: 'a cycle through a network field',
        nodes: [net('n', ['a']), vm('a', 'n')],
        problems: [{ path: 'body.resources.0.dependsOn.0', message: /cycle: n → a → n/ }],
      },
      {
        name: 'a name two resources of the request have',
        nodes: [net('web'), vm('web', 'DMZ'), vm('app', 'DMZ', ['web'])],
        problems: [
          {
            path: 'body.resources.2.dependsOn.0',
            message: /names both body.resources.0 \(network\) and body.resources.1 \(virtual_machine\)/,
          },
        ],
      },
    ];
  for (const c of refused)
    it(`refuses ${c.name}, naming the path`, () => {
      const result = resolveDependencies(c.nodes);
      assert.deepEqual(
        result.problems.map((p) => p.path),
        c.problems.map((p) => p.path),
      );
      for (const [i, p] of c.problems.entries()) assert.match(result.problems[i]!.message, p.message);
    });
});
