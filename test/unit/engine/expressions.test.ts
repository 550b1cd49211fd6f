/**
 * Expression semantics: a whole-value `${…}` keeps its JSON type, an embedded one interpolates,
 * missing values vanish, and a value is never evaluated twice.
 */
import assert from 'node:assert/strict';
import { promiseHooks } from 'node:v8';
import jsonata from 'jsonata';
import {
  evaluateCondition,
  inspectExpression,
  lookUpPlainPath,
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

  describe('plain paths, looked up without JSONata', () => {
    // Shapes a path meets on its way: objects, lists (mapped and flattened by JSONata), a list of
    // one, an empty list, null, scalars, and names an object inherits.
    const shapes: ExpressionScope = {
      input: {
        a: { b: { c: 1 }, list: [{ c: 2 }, { c: 3 }], one: [{ c: 4 }], none: [], nil: null, s: 'text' },
        n: 0,
        f: false,
        e: '',
        nested: [[{ c: 5 }], [{ c: 6 }]],
      },
      steps: { x: { state: 'succeeded', output: { id: 'abc', obj: { k: [1, 2] } } } },
      ids: { workflowId: 'w', traceId: 't', requestId: 'r' },
    };
    const paths = [
      'input',
      'input.a',
      'input.a.b.c',
      'input.a.b.missing',
      'input.missing.deeper',
      'input.a.list',
      'input.a.list.c',
      'input.a.one',
      'input.a.one.c',
      'input.a.none',
      'input.a.none.c',
      'input.a.nil',
      'input.a.nil.c',
      'input.a.s',
      'input.a.s.length',
      'input.n',
      'input.f',
      'input.e',
      'input.nested.c',
      'input.constructor',
      'input.a.toString',
      'input.__proto__',
      'steps.x.output',
      'steps.x.output.obj.k',
      ' steps . x . output . id ',
      'ids.traceId',
      'item',
      'true',
      'null',
    ];
    for (const path of paths)
      it(`\${${path}} is what JSONata says`, async () => {
        const raw: unknown = await jsonata(path).evaluate(shapes);
        const expected = raw === undefined ? undefined : JSON.parse(JSON.stringify(raw));
        const found = lookUpPlainPath(path, shapes);
        if (found) assert.deepEqual(found.value, raw, 'the lookup disagrees with JSONata');
        if (typeof raw !== 'function') assert.deepEqual(await resolveValue(`\${${path}}`, shapes), expected);
        else await assert.rejects(resolveValue(`\${${path}}`, shapes), /yields a function/);
      });

    it('answers the common paths itself and leaves lists and operators to JSONata', () => {
      for (const path of ['input.a.b.c', 'input.a.b.missing', 'input.a.nil', 'steps.x.output', 'item'])
        assert.ok(lookUpPlainPath(path, shapes), path);
      for (const path of [
        'input.a.list.c',
        'input.a.one',
        'input.a.s.length',
        'input.constructor',
        'true',
        'input.n + 1',
      ])
        assert.equal(lookUpPlainPath(path, shapes), undefined, path);
    });

    it('resolves a value of plain paths with no promise but its own', async () => {
      const value = {
        name: '${input.a.s}',
        ids: ['${ids.traceId}', 'x-${ids.requestId}-${input.n}'],
        deep: { c: '${input.a.b.c}', output: '${steps.x.output}', gone: '${input.missing}' },
      };
      let promises = 0;
      const stop = promiseHooks.onInit(() => promises++);
      let resolved: Promise<unknown>;
      try {
        resolved = resolveValue(value, shapes);
      } finally {
        stop();
      }
      assert.deepEqual(await resolved, {
        name: 'text',
        ids: ['t', 'x-r-0'],
        deep: { c: 1, output: { id: 'abc', obj: { k: [1, 2] } } },
      });
      assert.equal(promises, 1, 'only the async function itself');
    });
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
