/**
 * TFE, APIC and vCenter simulators driven by clients nobody here wrote: terrasnek from
 * construction to state outputs, and `requests` sessions as APIC and vCenter REST users hold them
 * (scripts in test/conformance/clients/).
 */
import assert from 'node:assert/strict';
import { startConformanceLab, type ConformanceLab } from './fixture';

const stepsOf = (lines: string[]) => lines.map((line) => line.split(' ')[1]);

describe('TFE, APIC and vCenter simulators with third-party clients (conformance)', function () {
  this.timeout(120_000);
  let lab: ConformanceLab;

  before(async () => {
    lab = await startConformanceLab();
  });
  after(async () => {
    await lab?.dispose();
  });

  it('terrasnek: discovery, organizations, workspaces with lock/unlock, variables, upload, a run applied, state outputs, delete', async () => {
    assert.deepEqual(stepsOf(await lab.script('tfe_terrasnek.py')), [
      'construct',
      'organizations',
      'workspaces',
      'lock-unlock',
      'variables',
      'configuration-version',
      'run',
      'state-version-outputs',
      'native-syntax',
      'workspace-delete',
      'organization-delete',
    ]);
  });

  it('APIC: a requests cookie jar logs in, queries, writes, refreshes and logs out, through 100 log-ins', async () => {
    const lines = await lab.script('aci_requests.py');
    assert.deepEqual(stepsOf(lines), [
      'login-and-read',
      'class-and-object-queries',
      'refresh',
      'logout',
      'logins',
    ]);
    const special = /(\d+) tokens with \/ or \+/.exec(lines.at(-1) ?? '');
    assert.ok(Number(special?.[1]) > 0, lines.at(-1));
  });

  it('vCenter: a requests session makes the Automation API calls the project uses, with their documented answers', async () => {
    assert.deepEqual(stepsOf(await lab.script('vcenter_requests.py')), [
      'session',
      'inventory',
      'vm-create',
      'power-and-guest',
      'hardware',
      'vm-delete',
      'logout',
    ]);
  });
});
