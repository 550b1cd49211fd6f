import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDevConfig, startDevArgs } from '../../../platform/dev-config';
import { customSearchAttributes } from '../../../common/search-attributes';

describe('temporal-dev.yaml', () => {
  const config = loadDevConfig();

  it('declares every search attribute the code uses, with the type the code gives it', () => {
    const names: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
    for (const [name, key] of Object.entries(customSearchAttributes)) {
      const wanted = names[key.type];
      assert.ok(wanted, `${name}: a type temporal-dev.yaml's check knows`);
      assert.equal(config.searchAttributes[name], wanted, `${name} must be a ${wanted} in temporal-dev.yaml`);
    }
  });

  it('turns into start-dev flags: ports, persistence, attributes and dynamic config', () => {
    const args = startDevArgs(config, {
      grpcPort: 1234,
      uiPort: null,
      metricsPort: 1235,
      dbFile: '/x/t.sqlite',
    });
    const flag = (name: string) => args[args.indexOf(name) + 1];
    assert.equal(flag('--port'), '1234');
    assert.equal(flag('--db-filename'), '/x/t.sqlite');
    assert.ok(args.includes('--headless'));
    assert.ok(args.includes('TraceId=Keyword'));
    assert.ok(args.includes('frontend.enableUpdateWorkflowExecution=true'));
    const withUi = startDevArgs(config, { grpcPort: 1, uiPort: 2, metricsPort: 3, dbFile: 'f' });
    assert.equal(withUi[withUi.indexOf('--ui-port') + 1], '2');
    assert.ok(!withUi.includes('--headless'));
  });

  it('refuses a file with a wrong field, naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devcfg-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'namespace: default\nserver: { grpcPort: "x" }\n');
    assert.throws(() => loadDevConfig(file), /server\.grpcPort|cli/);
  });
});
