/** The simulators' process entry prints one JSON line without secrets, writes a 0600 credentials file, stops on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

describe('simulators process entry', () => {
  it('starts from the environment, reports URLs and the credentials file, and exits cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-main-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/main.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, SIM_DATA_DIR: dataDir, SIM_SYSTEMS: 'vcenter,awx', SIM_DURATIONS: '{"*":0}' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const ready = JSON.parse(line) as {
        event: string;
        urls: Record<string, string>;
        adminUrl: string;
        credentialsFile: string;
      };
      assert.equal(ready.event, 'simulators-ready');
      assert.match(ready.urls.vcenter ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(ready.urls.awx ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(fs.statSync(ready.credentialsFile).mode & 0o777, 0o600);
      const credentials = JSON.parse(fs.readFileSync(ready.credentialsFile, 'utf8')) as {
        awx: { token: string };
        vcenter: { password: string };
      };
      assert.ok(!line.includes(credentials.awx.token) && !line.includes(credentials.vcenter.password));
      const res = await fetch(`${ready.urls.awx}/api/v2/job_templates/?name=vm-create`, {
        headers: { authorization: `Bearer ${credentials.awx.token}` },
      });
      assert.equal(res.status, 200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
