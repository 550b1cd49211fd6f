/** The plan hash: one text per value, provisional values by what they stand on, differences by path. */
import assert from 'node:assert/strict';
import { canonicalJson, hashOf, planDifferences, withoutProvisional } from '../../../api/plan/plan-hash';

describe('plan hash', () => {
  it('is the same for the same value whatever the order of its keys', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }] }), '{"a":[{"c":null,"d":2}],"b":1}');
    assert.equal(hashOf({ b: 1, a: 2 }), hashOf({ a: 2, b: 1 }));
    assert.match(hashOf({}), /^sha256:[0-9a-f]{64}$/);
  });

  it('replaces a provisional address only where it stands whole', () => {
    const stand = new Map([['10.20.0.2', '<address from NET>']]);
    assert.deepEqual(
      withoutProvisional(
        { ip: '10.20.0.2', note: 'host 10.20.0.2/24', other: '10.20.0.25', list: ['10.20.0.2'] },
        stand,
      ),
      {
        ip: '<address from NET>',
        note: 'host <address from NET>/24',
        other: '10.20.0.25',
        list: ['<address from NET>'],
      },
    );
    // Two previews that saw different free addresses have one hash.
    const seen = (a: string) => hashOf(withoutProvisional({ ip: a }, new Map([[a, '<address from NET>']])));
    assert.equal(seen('10.20.0.2'), seen('10.20.0.3'));
  });

  const cases: [string, unknown, unknown, { path: string; before?: unknown; after?: unknown }[]][] = [
    ['nothing', { a: 1 }, { a: 1 }, []],
    [
      'a value',
      { r: [{ cluster: 'A' }] },
      { r: [{ cluster: 'B' }] },
      [{ path: 'r.0.cluster', before: 'A', after: 'B' }],
    ],
    ['a key added', { a: 1 }, { a: 1, b: 2 }, [{ path: 'b', after: 2 }]],
    ['an item removed', { l: [1, 2] }, { l: [1] }, [{ path: 'l.1', before: 2 }]],
  ];
  for (const [what, before, after, expected] of cases)
    it(`names what changed: ${what}`, () => assert.deepEqual(planDifferences(before, after), expected));
});
