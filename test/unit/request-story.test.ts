import assert from 'node:assert/strict';
import { externalLinks } from '../../api/routes/requests/story';

describe("a step's external IDs linked to the end systems' pages", () => {
  const urls = { awx: 'https://awx.example/', tfe: 'https://tfe.example' };
  const cases: [string, Record<string, string>, Record<string, string>][] = [
    [
      'an AWX job and its template',
      { awxJob: '42', awxJobTemplate: '7' },
      {
        awxJob: 'https://awx.example/#/jobs/playbook/42',
        awxJobTemplate: 'https://awx.example/#/templates/job_template/7/details',
      },
    ],
    [
      'a TFE run in its named workspace',
      { tfeWorkspace: 'ws-1', tfeWorkspaceName: 'vm-web-01', tfeOrganization: 'lab', tfeRun: 'run-9' },
      {
        tfeWorkspace: 'https://tfe.example/app/lab/workspaces/vm-web-01',
        tfeRun: 'https://tfe.example/app/lab/workspaces/vm-web-01/runs/run-9',
      },
    ],
    ['a TFE run whose workspace name is unknown', { tfeRun: 'run-9' }, {}],
    [
      "a fan-out item's and an undo's IDs, prefixed",
      { 'a:awxJob': '1', 'undo:awxJob': '2' },
      {
        'a:awxJob': 'https://awx.example/#/jobs/playbook/1',
        'undo:awxJob': 'https://awx.example/#/jobs/playbook/2',
      },
    ],
    ['IDs without a page (a commit, a VM)', { gitCommit: 'abc', vcenterVm: 'vm-1' }, {}],
  ];
  for (const [what, ids, links] of cases) it(what, () => assert.deepEqual(externalLinks(ids, urls), links));

  it('links nothing when the API is not told where the systems are', () =>
    assert.deepEqual(externalLinks({ awxJob: '42' }), {}));
});
