/** The APIC simulator, driven through its REST API as the reference (aci-api.md) documents it. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the upstream JSON documents by path, as a client would */
import assert from 'node:assert/strict';
import { startAciFixture, type AciFixture } from './aci-fixture';

const tenantPayload = {
  fvTenant: {
    attributes: { name: 'Prod', descr: 'managed by orchestrator' },
    children: [
      { fvCtx: { attributes: { name: 'vrf1' } } },
      {
        fvBD: {
          attributes: { name: 'web_bd', unicastRoute: 'yes', arpFlood: 'no' },
          children: [
            { fvRsCtx: { attributes: { tnFvCtxName: 'vrf1' } } },
            { fvSubnet: { attributes: { ip: '10.1.1.1/24', scope: 'private' } } },
          ],
        },
      },
      {
        fvAp: {
          attributes: { name: 'shop' },
          children: [
            {
              fvAEPg: {
                attributes: { name: 'web' },
                children: [
                  { fvRsBd: { attributes: { tnFvBDName: 'web_bd' } } },
                  { fvRsDomAtt: { attributes: { tDn: 'uni/phys-phys_dom', resImedcy: 'immediate' } } },
                ],
              },
            },
          ],
        },
      },
    ],
  },
};

function attrsOf(item: Record<string, { attributes: Record<string, string> }>): Record<string, string> {
  return Object.values(item)[0]!.attributes;
}

describe('ACI simulator', () => {
  let aci: AciFixture;
  let token: string;

  beforeEach(async () => {
    aci = await startAciFixture();
    token = await aci.login();
  });
  afterEach(async () => {
    await aci.stop();
  });

  describe('authentication', () => {
    it('answers bad credentials with 401 in the error envelope', async () => {
      const res = await aci.call('POST', '/api/aaaLogin.json', undefined, {
        aaaUser: { attributes: { name: 'admin', pwd: 'wrong' } },
      });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, {
        totalCount: '1',
        imdata: [
          {
            error: {
              attributes: {
                code: '401',
                text: 'Username or password is incorrect - FAILED local authentication',
              },
            },
          },
        ],
      });
    });

    it('returns the token in the body and in the APIC-cookie, with the session timeouts', async () => {
      const res = await fetch(`${aci.url}/api/aaaLogin.json`, {
        method: 'POST',
        body: JSON.stringify({ aaaUser: { attributes: { name: 'apic#local\\admin', pwd: 'lab-pass' } } }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as any;
      const login = body.imdata[0].aaaLogin.attributes;
      assert.equal(body.totalCount, '1');
      assert.equal(login.refreshTimeoutSeconds, '600');
      assert.equal(login.maximumLifetimeSeconds, '86400');
      assert.equal(login.userName, 'admin');
      // The cookie carries the token verbatim, as the APIC sends it (no percent-encoding).
      const cookie = /^APIC-cookie=([^;]*);/.exec(res.headers.get('set-cookie') ?? '');
      assert.equal(cookie?.[1], login.token);
      // Both spellings of the cookie name work.
      const read = await fetch(`${aci.url}/api/mo/uni/tn-common.json`, {
        headers: { cookie: `APIC-Cookie=${login.token}` },
      });
      assert.equal(read.status, 200);
    });

    it('refuses requests without a token with 403 and the documented text', async () => {
      const res = await aci.call('GET', '/api/node/class/fvTenant.json', undefined);
      assert.equal(res.status, 403);
      assert.equal(res.json.imdata[0].error.attributes.code, '403');
      assert.match(
        res.json.imdata[0].error.attributes.text,
        /Need a valid webtoken cookie \(named APIC-Cookie\)/,
      );
    });

    it('expires a token after refreshTimeoutSeconds; aaaRefresh issues a new one within it', async () => {
      aci.advance(400_000);
      const refreshed = await aci.call('GET', '/api/aaaRefresh.json', token);
      assert.equal(refreshed.status, 200);
      const fresh = refreshed.json.imdata[0].aaaLogin.attributes.token as string;
      assert.notEqual(fresh, token);
      aci.advance(300_000);
      const old = await aci.call('GET', '/api/mo/uni.json', token);
      assert.equal(old.status, 403);
      assert.match(old.json.imdata[0].error.attributes.text, /Token was invalid \(Error: Token timeout\)/);
      assert.equal((await aci.call('GET', '/api/mo/uni.json', fresh)).status, 200);
    });

    it('ends every refresh chain at maximumLifetimeSeconds', async () => {
      let current = token;
      for (let elapsed = 0; elapsed < 86_400_000; elapsed += 500_000) {
        const res = await aci.call('GET', '/api/aaaRefresh.json', current);
        assert.equal(res.status, 200, `refresh at ${elapsed} ms`);
        current = res.json.imdata[0].aaaLogin.attributes.token;
        aci.advance(500_000);
      }
      const late = await aci.call('GET', '/api/mo/uni.json', current);
      assert.equal(late.status, 403);
    });

    it('keeps session timeouts out of the "*" duration override', async () => {
      const instant = await startAciFixture(undefined, { '*': 0 });
      try {
        const fresh = await instant.login();
        assert.equal((await instant.call('GET', '/api/mo/uni.json', fresh)).status, 200);
      } finally {
        await instant.stop();
      }
    });

    it('logs out: the token stops working', async () => {
      assert.equal(
        (await aci.call('POST', '/api/aaaLogout.json', token, { aaaUser: { attributes: { name: 'admin' } } }))
          .status,
        200,
      );
      assert.equal((await aci.call('GET', '/api/mo/uni.json', token)).status, 403);
    });
  });

  describe('writing', () => {
    it('creates a tenant tree in one POST and reads it back with rsp-subtree=full', async () => {
      const post = await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
      assert.equal(post.status, 200);
      assert.deepEqual(post.json, { totalCount: '0', imdata: [] });

      const res = await aci.call('GET', '/api/mo/uni/tn-Prod.json?rsp-subtree=full', token);
      assert.equal(res.json.totalCount, '1');
      const tenant = res.json.imdata[0].fvTenant;
      assert.equal(tenant.attributes.dn, 'uni/tn-Prod');
      assert.equal(tenant.attributes.descr, 'managed by orchestrator');
      assert.equal(tenant.attributes.status, '');
      const childClasses = tenant.children.map((c: object) => Object.keys(c)[0]).sort();
      assert.deepEqual(childClasses, ['fvAp', 'fvBD', 'fvCtx']);

      const bd = await aci.call('GET', '/api/mo/uni/tn-Prod/BD-web_bd.json', token);
      const bdAttrs = bd.json.imdata[0].fvBD.attributes;
      assert.equal(bdAttrs.unkMacUcastAct, 'proxy', 'defaults are filled');
      assert.equal(typeof bdAttrs.modTs, 'string');

      const subnet = await aci.call('GET', '/api/mo/uni/tn-Prod/BD-web_bd/subnet-[10.1.1.1/24].json', token);
      assert.equal(subnet.json.imdata[0].fvSubnet.attributes.scope, 'private');

      const rsbd = await aci.call('GET', '/api/mo/uni/tn-Prod/ap-shop/epg-web/rsbd.json', token);
      assert.deepEqual(
        {
          tDn: rsbd.json.imdata[0].fvRsBd.attributes.tDn,
          state: rsbd.json.imdata[0].fvRsBd.attributes.state,
        },
        { tDn: 'uni/tn-Prod/BD-web_bd', state: 'formed' },
      );
      const dom = await aci.call(
        'GET',
        `/api/mo/${encodeURIComponent('uni/tn-Prod/ap-shop/epg-web/rsdomAtt-[uni/phys-phys_dom]')}.json`,
        token,
      );
      assert.equal(dom.json.imdata[0].fvRsDomAtt.attributes.state, 'formed');
      assert.equal(dom.json.imdata[0].fvRsDomAtt.attributes.resImedcy, 'immediate');
    });

    it('is idempotent: posting the same body again changes nothing', async () => {
      await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
      const before = await aci.call('GET', '/api/mo/uni/tn-Prod.json?rsp-subtree=full', token);
      aci.advance(5_000);
      const again = await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
      assert.equal(again.status, 200);
      const after = await aci.call('GET', '/api/mo/uni/tn-Prod.json?rsp-subtree=full', token);
      assert.deepEqual(after.json, before.json);
    });

    it('accepts the tenant posted to its own dn, and updates attributes (upsert)', async () => {
      await aci.call('POST', '/api/mo/uni/tn-Dev.json', token, { fvTenant: { attributes: { name: 'Dev' } } });
      await aci.call('POST', '/api/mo/uni/tn-Dev.json', token, {
        fvTenant: { attributes: { descr: 'second' } },
      });
      const res = await aci.call('GET', '/api/mo/uni/tn-Dev.json', token);
      assert.equal(attrsOf(res.json.imdata[0]).descr, 'second');
      // A child posted to its parent's dn.
      await aci.call('POST', '/api/mo/uni/tn-Dev.json', token, { fvAp: { attributes: { name: 'app' } } });
      assert.equal((await aci.call('GET', '/api/mo/uni/tn-Dev/ap-app.json', token)).json.totalCount, '1');
    });

    const rejections: { name: string; url: string; body: unknown; code: string; text: RegExp }[] = [
      {
        name: 'status created on an existing MO',
        url: '/api/mo/uni.json',
        body: { fvTenant: { attributes: { name: 'common', status: 'created' } } },
        code: '103',
        text: /already exists/,
      },
      {
        name: 'status modified on a missing MO',
        url: '/api/mo/uni.json',
        body: { fvTenant: { attributes: { name: 'Nope', status: 'modified' } } },
        code: '102',
        text: /not found Dn0=uni\/tn-Nope/,
      },
      {
        name: 'a parent that does not exist',
        url: '/api/mo/uni/tn-Missing/ap-x.json',
        body: { fvAp: { attributes: { name: 'x' } } },
        code: '102',
        text: /Dn0=uni\/tn-Missing/,
      },
      {
        name: 'an unknown class',
        url: '/api/mo/uni.json',
        body: { fvFoobar: { attributes: { name: 'x' } } },
        code: '122',
        text: /unknown managed object class fvFoobar/,
      },
      {
        name: 'an unknown attribute',
        url: '/api/mo/uni.json',
        body: { fvTenant: { attributes: { name: 'x', colour: 'red' } } },
        code: '400',
        text: /unknown attribute 'colour' in element 'fvTenant'/,
      },
      {
        name: 'a value outside the enum',
        url: '/api/mo/uni.json',
        body: {
          fvTenant: {
            attributes: { name: 'x' },
            children: [{ fvBD: { attributes: { name: 'b', arpFlood: 'maybe' } } }],
          },
        },
        code: '120',
        text: /unknown property value maybe, name arpFlood, class fvBD/,
      },
      {
        name: 'an invalid name',
        url: '/api/mo/uni.json',
        body: { fvTenant: { attributes: { name: 'bad name!' } } },
        code: '801',
        text: /property name of uni\/tn-bad name! failed validation/,
      },
      {
        name: 'an invalid subnet address',
        url: '/api/mo/uni.json',
        body: {
          fvTenant: {
            attributes: { name: 'x' },
            children: [
              {
                fvBD: {
                  attributes: { name: 'b' },
                  children: [{ fvSubnet: { attributes: { ip: '10.1.1.300/24' } } }],
                },
              },
            ],
          },
        },
        code: '801',
        text: /property ip .* failed validation/,
      },
      {
        name: 'malformed JSON',
        url: '/api/mo/uni.json',
        body: '{"fvTenant": ',
        code: '400',
        text: /JSON parsing failed/,
      },
    ];
    for (const c of rejections) {
      it(`rejects ${c.name} with 400 code ${c.code}, and writes nothing`, async () => {
        const before = await aci.call('GET', '/api/node/class/fvTenant.json', token);
        const res = await aci.call('POST', c.url, token, c.body);
        assert.equal(res.status, 400);
        assert.equal(res.json.totalCount, '1');
        assert.equal(res.json.imdata[0].error.attributes.code, c.code);
        assert.match(res.json.imdata[0].error.attributes.text, c.text);
        const after = await aci.call('GET', '/api/node/class/fvTenant.json', token);
        assert.deepEqual(after.json, before.json, 'the whole POST is rejected');
      });
    }

    it('shows a relation to a missing target as missing-target, and formed once the target exists', async () => {
      await aci.call('POST', '/api/mo/uni.json', token, {
        fvTenant: {
          attributes: { name: 'T' },
          children: [
            {
              fvBD: {
                attributes: { name: 'bd' },
                children: [{ fvRsCtx: { attributes: { tnFvCtxName: 'later' } } }],
              },
            },
          ],
        },
      });
      const missing = await aci.call('GET', '/api/mo/uni/tn-T/BD-bd/rsctx.json', token);
      assert.equal(missing.json.imdata[0].fvRsCtx.attributes.state, 'missing-target');
      await aci.call('POST', '/api/mo/uni/tn-T.json', token, { fvCtx: { attributes: { name: 'later' } } });
      const formed = await aci.call('GET', '/api/mo/uni/tn-T/BD-bd/rsctx.json', token);
      assert.equal(formed.json.imdata[0].fvRsCtx.attributes.state, 'formed');
      assert.equal(formed.json.imdata[0].fvRsCtx.attributes.tDn, 'uni/tn-T/ctx-later');
    });

    it('falls back to tenant common when resolving a relation by name', async () => {
      await aci.call('POST', '/api/mo/uni.json', token, {
        fvTenant: {
          attributes: { name: 'T' },
          children: [
            {
              fvBD: {
                attributes: { name: 'bd' },
                children: [{ fvRsCtx: { attributes: { tnFvCtxName: 'default' } } }],
              },
            },
          ],
        },
      });
      const rs = await aci.call('GET', '/api/mo/uni/tn-T/BD-bd/rsctx.json', token);
      assert.equal(rs.json.imdata[0].fvRsCtx.attributes.tDn, 'uni/tn-common/ctx-default');
    });

    it('deletes a subtree by DELETE and by status deleted; deleting again is still 200', async () => {
      await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
      const del = await aci.call('DELETE', '/api/mo/uni/tn-Prod/ap-shop.json', token);
      assert.deepEqual([del.status, del.json], [200, { totalCount: '0', imdata: [] }]);
      assert.equal(
        (await aci.call('GET', '/api/mo/uni/tn-Prod/ap-shop/epg-web.json', token)).json.totalCount,
        '0',
      );
      assert.equal((await aci.call('DELETE', '/api/mo/uni/tn-Prod/ap-shop.json', token)).status, 200);

      await aci.call('POST', '/api/mo/uni.json', token, {
        fvTenant: { attributes: { name: 'Prod', status: 'deleted' } },
      });
      const gone = await aci.call(
        'GET',
        '/api/node/class/fvBD.json?query-target-filter=wcard(fvBD.dn,"tn-Prod/")',
        token,
      );
      assert.equal(gone.json.totalCount, '0');
    });
    it('treats status deleted under a missing parent as already deleted', async () => {
      const res = await aci.call('POST', '/api/mo/uni/tn-Ghost/ap-x.json', token, {
        fvAp: { attributes: { name: 'x', status: 'deleted' } },
      });
      assert.deepEqual([res.status, res.json], [200, { totalCount: '0', imdata: [] }]);
    });
  });

  describe('reading', () => {
    beforeEach(async () => {
      await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
      for (const name of ['api', 'db', 'cache']) {
        await aci.call('POST', '/api/mo/uni/tn-Prod/ap-shop.json', token, {
          fvAEPg: { attributes: { name, descr: `tier ${name}` } },
        });
      }
    });

    it('answers a dn that does not exist with 200 and an empty imdata', async () => {
      const res = await aci.call('GET', '/api/mo/uni/tn-Nothing.json', token);
      assert.deepEqual([res.status, res.json], [200, { totalCount: '0', imdata: [] }]);
    });

    it('answers an unknown class with 400 code 122', async () => {
      const res = await aci.call('GET', '/api/node/class/fvTenantt.json', token);
      assert.equal(res.status, 400);
      assert.equal(res.json.imdata[0].error.attributes.code, '122');
    });

    const filters: { filter: string; expected: string[] }[] = [
      { filter: 'eq(fvAEPg.name,"web")', expected: ['web'] },
      { filter: 'ne(fvAEPg.name,"web")', expected: ['api', 'cache', 'db'] },
      { filter: 'wcard(fvAEPg.name,"^c")', expected: ['cache'] },
      { filter: 'and(wcard(fvAEPg.dn,"tn-Prod/"),eq(fvAEPg.descr,"tier db"))', expected: ['db'] },
      { filter: 'or(eq(fvAEPg.name,"api"),eq(fvAEPg.name,"db"))', expected: ['api', 'db'] },
      { filter: 'not(wcard(fvAEPg.name,"a"))', expected: ['db', 'web'] },
      { filter: 'bw(fvAEPg.name,"b","dz")', expected: ['cache', 'db'] },
      { filter: 'eq(fvBD.name,"web")', expected: [] },
    ];
    for (const { filter, expected } of filters) {
      it(`filters a class query with ${filter}`, async () => {
        const res = await aci.call(
          'GET',
          `/api/node/class/fvAEPg.json?query-target-filter=${encodeURIComponent(filter)}`,
          token,
        );
        assert.equal(res.status, 200);
        const names = res.json.imdata.map((i: any) => i.fvAEPg.attributes.name).sort();
        assert.deepEqual(names, expected);
        assert.equal(res.json.totalCount, String(expected.length));
      });
    }

    it('rejects a malformed filter with 400 in the envelope', async () => {
      const res = await aci.call(
        'GET',
        `/api/class/fvAEPg.json?query-target-filter=${encodeURIComponent('eq(fvAEPg.name,')}`,
        token,
      );
      assert.equal(res.status, 400);
      assert.ok(res.json.imdata[0].error.attributes.text);
    });

    it('pages with page and page-size, reporting the full totalCount', async () => {
      const seen: string[] = [];
      for (let page = 0; page < 3; page++) {
        const res = await aci.call(
          'GET',
          `/api/class/fvAEPg.json?order-by=fvAEPg.name|asc&page=${page}&page-size=2`,
          token,
        );
        assert.equal(res.json.totalCount, '4');
        seen.push(...res.json.imdata.map((i: any) => i.fvAEPg.attributes.name));
      }
      assert.deepEqual(seen, ['api', 'cache', 'db', 'web']);
      const desc = await aci.call('GET', '/api/class/fvAEPg.json?order-by=fvAEPg.name|desc', token);
      assert.equal(desc.json.imdata[0].fvAEPg.attributes.name, 'web');
    });

    it('lists children and subtrees with query-target and target-subtree-class', async () => {
      const children = await aci.call('GET', '/api/mo/uni/tn-Prod.json?query-target=children', token);
      assert.deepEqual(children.json.imdata.map((i: object) => Object.keys(i)[0]).sort(), [
        'fvAp',
        'fvBD',
        'fvCtx',
      ]);
      const epgs = await aci.call(
        'GET',
        '/api/mo/uni/tn-Prod.json?query-target=subtree&target-subtree-class=fvAEPg',
        token,
      );
      assert.equal(epgs.json.totalCount, '4');
      const relations = await aci.call(
        'GET',
        '/api/mo/uni/tn-Prod.json?query-target=subtree&target-subtree-class=fvRsBd,fvRsCtx',
        token,
      );
      assert.deepEqual(relations.json.imdata.map((i: object) => Object.keys(i)[0]).sort(), [
        'fvRsBd',
        'fvRsCtx',
      ]);
    });

    it('nests only the asked classes with rsp-subtree-class, and drops non-matching parents with required', async () => {
      const res = await aci.call(
        'GET',
        '/api/class/fvAEPg.json?rsp-subtree=children&rsp-subtree-class=fvRsBd&rsp-subtree-include=required',
        token,
      );
      assert.equal(res.json.totalCount, '1');
      assert.equal(res.json.imdata[0].fvAEPg.attributes.name, 'web');
      assert.deepEqual(Object.keys(res.json.imdata[0].fvAEPg.children[0]), ['fvRsBd']);
    });

    it('answers rsp-subtree-include=count with one moCount', async () => {
      const res = await aci.call('GET', '/api/class/fvAEPg.json?rsp-subtree-include=count', token);
      assert.deepEqual(res.json, {
        totalCount: '1',
        imdata: [{ moCount: { attributes: { childAction: '', count: '4', dn: '', status: '' } } }],
      });
    });

    it('resolves an EPG attachment to the lab VMware VMM domain', async () => {
      const dn = 'uni/tn-Prod/ap-shop/epg-api';
      await aci.call('POST', `/api/mo/${dn}.json`, token, {
        fvAEPg: {
          attributes: {},
          children: [{ fvRsDomAtt: { attributes: { tDn: 'uni/vmmp-VMware/dom-lab_vds' } } }],
        },
      });
      const res = await aci.call(
        'GET',
        `/api/mo/${dn}.json?query-target=children&target-subtree-class=fvRsDomAtt`,
        token,
      );
      const attrs = res.json.imdata[0].fvRsDomAtt.attributes;
      assert.deepEqual([attrs.state, attrs.tCl], ['formed', 'vmmDomP']);
    });

    it('trims attributes with rsp-prop-include=naming-only', async () => {
      const res = await aci.call(
        'GET',
        '/api/mo/uni/tn-Prod/ap-shop/epg-web.json?rsp-prop-include=naming-only',
        token,
      );
      assert.deepEqual(Object.keys(res.json.imdata[0].fvAEPg.attributes).sort(), ['dn', 'name', 'status']);
    });
  });

  it('keeps the tree across a restart', async () => {
    await aci.call('POST', '/api/mo/uni.json', token, tenantPayload);
    aci = await aci.restart();
    const fresh = await aci.login();
    const res = await aci.call('GET', '/api/node/class/fvAEPg.json', fresh);
    assert.deepEqual(
      res.json.imdata.map((i: any) => i.fvAEPg.attributes.dn),
      ['uni/tn-Prod/ap-shop/epg-web'],
    );
  });

  it('renders injected faults in the APIC error envelope', async () => {
    aci.ctx.world.addHttpFault({
      system: 'aci',
      path: '/api/node/class/*',
      kind: 'error',
      status: 503,
      times: 1,
    });
    const res = await aci.call('GET', '/api/node/class/fvTenant.json', token);
    assert.equal(res.status, 503);
    assert.equal(res.json.imdata[0].error.attributes.code, '503');
    assert.equal((await aci.call('GET', '/api/node/class/fvTenant.json', token)).status, 200);
  });
});
