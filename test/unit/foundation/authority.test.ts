import assert from 'node:assert/strict';
import {
  absentResource,
  mayActOn,
  mayGiveGroup,
  type Actor,
  type Ownership,
} from '../../../common/authority';

describe('who may act on a resource', () => {
  const owned: Ownership = { owner: 'alice@example.test', group: 'web' };
  const ungrouped: Ownership = { owner: 'alice@example.test', group: null };
  const cases: [string, Actor, Ownership, boolean][] = [
    ['its owner', { subject: 'alice@example.test', role: 'requester', groups: [] }, owned, true],
    [
      'a member of its group',
      { subject: 'carol@example.test', role: 'requester', groups: ['ops', 'web'] },
      owned,
      true,
    ],
    ['an admin in no group', { subject: 'root@example.test', role: 'admin', groups: [] }, owned, true],
    ['a stranger', { subject: 'bob@example.test', role: 'requester', groups: ['ops'] }, owned, false],
    [
      'an approver outside the group',
      { subject: 'ann@example.test', role: 'approver', groups: [] },
      owned,
      false,
    ],
    [
      'someone whose subject differs only in case',
      { subject: 'Alice@example.test', role: 'requester', groups: [] },
      owned,
      false,
    ],
    [
      'anyone in no group, when the resource has none',
      { subject: 'bob@example.test', role: 'requester', groups: [] },
      ungrouped,
      false,
    ],
  ];
  for (const [who, actor, ownership, may] of cases) {
    it(`${may ? 'lets' : 'does not let'} ${who}`, () => assert.equal(mayActOn(actor, ownership), may));
  }

  it('calls a resource one may not act on what it calls one that does not exist', () => {
    assert.equal(absentResource('virtual_machine', 'web-01'), 'no virtual_machine named web-01');
  });

  it('lets a requester give a resource one of their groups, and an admin any', () => {
    const carol: Actor = { subject: 'carol@example.test', role: 'requester', groups: ['web'] };
    assert.equal(mayGiveGroup(carol, 'web'), true);
    assert.equal(mayGiveGroup(carol, 'dba'), false);
    assert.equal(mayGiveGroup({ subject: 'root@example.test', role: 'admin', groups: [] }, 'dba'), true);
  });
});
