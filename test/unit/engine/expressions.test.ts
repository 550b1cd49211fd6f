/**
 * Expression semantics: a whole-value `${…}` keeps its JSON type, an embedded one interpolates,
 * missing values vanish, and a value is never evaluated twice.
 */
import assert from 'node:assert/strict';
import {
  evaluateCondition,
  inspectExpression,
  resolveValue,
  splitTemplateString,
  type ExpressionScope,
} from '../../../common/template-expressions';

const scope: ExpressionScope = {
  input: {
    name: 'web',
    cpu: 2,
    tags: ['a', 'b'],
    vars: { env: 'dev' },
    enabled: false,
    evil: '${input.cpu}',
  },
  steps: { launch: { state: 'succeeded', output: { job: 42, hosts: [{ name: 'h1' }, { name: 'h2' }] } } },
  ids: { workflowId: 'trc_1/req_1/t', traceId: 'trc_1', requestId: 'req_1' },
  item: { name: 'vm-1' },
  index: 3,
};

describe('template expressions', () => {
  const cases: { name: string; value: unknown; expected: unknown }[] = [
    { name: 'a whole-value number stays a number', value: '${input.cpu}', expected: 2 },
    { name: 'a whole-value object stays an object', value: '${input.vars}', expected: { env: 'dev' } },
    { name: 'a whole-value list stays a list', value: '${input.tags}', expected: ['a', 'b'] },
    { name: 'a whole-value boolean stays a boolean', value: '${input.enabled}', expected: false },
    {
      name: 'a path over a list maps it',
      value: '${steps.launch.output.hosts.name}',
      expected: ['h1', 'h2'],
    },
    { name: 'an embedded reference interpolates', value: 'vm-${input.name}-${index}', expected: 'vm-web-3' },
    {
      name: 'an embedded object is written as JSON',
      value: 'vars=${input.vars}',
      expected: 'vars={"env":"dev"}',
    },
    { name: 'an embedded missing value is empty', value: 'x${input.nothing}y', expected: 'xy' },
    {
      name: 'a missing whole value drops its key',
      value: { a: '${input.nothing}', b: 1 },
      expected: { b: 1 },
    },
    {
      name: 'nested objects and lists resolve',
      value: { l: ['${item.name}', '${ids.traceId}'] },
      expected: { l: ['vm-1', 'trc_1'] },
    },
    { name: 'JSONata functions and operators work', value: '${$count(input.tags) * input.cpu}', expected: 4 },
    {
      name: 'object constructors with braces inside strings',
      value: '${ {"k": "}" & input.name} }',
      expected: { k: '}web' },
    },
    { name: '$${ is a literal ${', value: 'cost: $${input.cpu}', expected: 'cost: ${input.cpu}' },
    {
      name: 'a value that looks like an expression is data, never evaluated',
      value: '${input.evil}',
      expected: '${input.cpu}',
    },
    { name: 'text without expressions is untouched', value: 'plain', expected: 'plain' },
  ];
  for (const c of cases)
    it(c.name, async () => {
      assert.deepEqual(await resolveValue(c.value, scope), c.expected);
    });

  it('conditions use JSONata boolean casting', async () => {
    assert.equal(await evaluateCondition('${input.tags}', scope), true);
    assert.equal(await evaluateCondition('${input.enabled}', scope), false);
    assert.equal(await evaluateCondition('${input.nothing}', scope), false);
    assert.equal(await evaluateCondition('${steps.launch.output.job = 42}', scope), true);
    await assert.rejects(evaluateCondition('job is ${input.cpu}', scope), /one \$\{…\} expression/);
  });

  it('lists the root references and the functions of an expression', () => {
    assert.deepEqual(inspectExpression('$count(input.vms[size > 2].name) & steps.a.output.id'), {
      references: [{ path: ['input', 'vms', 'name'] }, { path: ['steps', 'a', 'output', 'id'] }],
      functions: ['count'],
    });
  });

  it('refuses an unclosed or empty expression', () => {
    assert.throws(() => splitTemplateString('a ${input.x'), /unclosed/);
    assert.throws(() => splitTemplateString('a ${ }'), /empty/);
  });
});
