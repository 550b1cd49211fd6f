import assert from 'node:assert/strict';
import { actorOf, oidcSettingsOf, type OidcSettings } from '../../../api/portal/oidc';
import { loadApiConfig } from '../../../platform/config';

const db = { DATABASE_URL: 'postgres://u@127.0.0.1:5/db' };
const oidcEnv = {
  ...db,
  OIDC_ISSUER_URL: 'https://login.example.com/realms/staff',
  OIDC_CLIENT_ID: 'portal',
  OIDC_CLIENT_SECRET: 's3cret',
  OIDC_ROLE_MAP: 'staff=requester, cab = approver,infra-admins=admin',
  OIDC_GROUP_MAP: 'cab=capacity,network-team=network',
};

describe('OpenID Connect sign-in: configuration and claims', () => {
  it('is off without an issuer, and reads the maps and the default redirect URL with one', () => {
    assert.equal(oidcSettingsOf(loadApiConfig(db), 'http://127.0.0.1:8080'), undefined);
    const settings = oidcSettingsOf(loadApiConfig(oidcEnv), 'https://portal.example.com')!;
    assert.equal(settings.redirectUrl, 'https://portal.example.com/signin/oidc/callback');
    assert.deepEqual(settings.roleMap, { staff: 'requester', cab: 'approver', 'infra-admins': 'admin' });
    assert.deepEqual(settings.groupMap, { cab: 'capacity', 'network-team': 'network' });
    assert.equal(settings.groupsClaim, 'groups');
  });

  const refused: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['an issuer without a client ID', { ...oidcEnv, OIDC_CLIENT_ID: undefined }, /OIDC_CLIENT_ID: required/],
    ['an issuer without a role map', { ...oidcEnv, OIDC_ROLE_MAP: '' }, /OIDC_ROLE_MAP: required/],
    ['a role that does not exist', { ...oidcEnv, OIDC_ROLE_MAP: 'staff=boss' }, /OIDC_ROLE_MAP: .*boss/],
    ['a pair without =', { ...oidcEnv, OIDC_GROUP_MAP: 'cab' }, /OIDC_GROUP_MAP: "cab" is not key=value/],
  ];
  for (const [name, env, message] of refused)
    it(`refuses to start with ${name}, never showing the secret`, () =>
      assert.throws(
        () => loadApiConfig(env),
        (err: Error) => message.test(err.message) && !err.message.includes('s3cret'),
      ));

  it('refuses an issuer over plain http, but on a loopback address', () => {
    assert.throws(
      () =>
        oidcSettingsOf(
          loadApiConfig({ ...oidcEnv, OIDC_ISSUER_URL: 'http://login.example.com' }),
          'https://x',
        ),
      /OIDC_ISSUER_URL: must be https/,
    );
    assert.ok(
      oidcSettingsOf(loadApiConfig({ ...oidcEnv, OIDC_ISSUER_URL: 'http://127.0.0.1:9000' }), 'https://x'),
    );
  });

  it('refuses a group map naming a group that is no group name here', () =>
    assert.throws(
      () => oidcSettingsOf(loadApiConfig({ ...oidcEnv, OIDC_GROUP_MAP: 'cab=Capacity Team' }), 'https://x'),
      /OIDC_GROUP_MAP: cab=Capacity Team/,
    ));

  const settings = oidcSettingsOf(loadApiConfig(oidcEnv), 'https://portal.example.com') as OidcSettings;
  const cases: [string, Record<string, unknown>, string | object][] = [
    [
      'a requester',
      { email: 'ann@example.com', groups: ['staff'] },
      { subject: 'ann@example.com', role: 'requester', groups: [] },
    ],
    [
      'the highest role of several, and the mapped approval groups',
      { email: 'abe@example.com', groups: ['staff', 'cab', 'network-team', 'other'] },
      { subject: 'abe@example.com', role: 'approver', groups: ['capacity', 'network'] },
    ],
    [
      'groups as one string',
      { email: 'ada@example.com', groups: 'staff infra-admins' },
      { subject: 'ada@example.com', role: 'admin', groups: [] },
    ],
    [
      'no group that gives a role',
      { email: 'eve@example.com', groups: ['other'] },
      /eve@example.com is in no group/,
    ],
    ['no groups claim', { email: 'eve@example.com' }, /is in no group/],
    ['no subject claim', { sub: '123', groups: ['staff'] }, /“email” claim/],
    ['a subject with spaces', { email: 'Eve Smith', groups: ['staff'] }, /“email” claim/],
  ];
  for (const [name, claims, expected] of cases)
    it(`maps ${name}`, () => {
      const actor = actorOf(claims, settings);
      if (expected instanceof RegExp) assert.match((actor as { refusal: string }).refusal, expected);
      else assert.deepEqual(actor, expected);
    });

  it('passes groups through by their own names when no group map is given', () =>
    assert.deepEqual(
      actorOf({ email: 'a@x', groups: ['staff', 'ops', 'Not A Group'] }, { ...settings, groupMap: {} }),
      {
        subject: 'a@x',
        role: 'requester',
        groups: ['staff', 'ops'],
      },
    ));
});
