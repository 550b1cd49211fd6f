/**
 * `npm run plan -- request.json [--json]`: the plan of a request file as the API previews it
 * (`POST /v1/requests/preview`, docs/plan-preview.md), printed for engineers: per resource its
 * placement and provisional address, the template's steps by wave, the rendered variables and the
 * git change. `--json` prints the API's answer as it is. The API is `API_URL` (default
 * http://127.0.0.1:8080), the caller `TOKEN` (a requester's token, `npm run token`).
 */
import { readFileSync } from 'node:fs';
import type { RequestPlan } from '../api/plan/planner';
import type { PlannedStep } from '../api/plan/template-walk';

function usage(message: string): never {
  console.error(`${message}\nusage: TOKEN=… npm run plan -- request.json [--json]`);
  process.exit(2);
}

/** The plan as text: one block per resource. */
export function describePlan(plan: RequestPlan): string {
  const lines = [`plan ${plan.planHash}`];
  for (const r of plan.resources) {
    lines.push('', `${r.action} ${r.type} ${r.name}: template ${r.template.name}@${r.template.version}`);
    if (r.placement) lines.push(`  placement  ${Object.values(r.placement).join(' / ')}`);
    for (const p of r.provisional)
      lines.push(`  ${p.what.padEnd(10)} ${p.value} (provisional; hashed as ${p.hashedAs})`);
    lines.push('  steps (a wave runs in parallel once the waves before it ended):');
    const printSteps = (steps: PlannedStep[], indent: string): void => {
      for (const s of steps) {
        const notes = [
          s.runs ?? s.kind,
          s.when ? `when ${s.when.condition} → ${s.when.holds ?? 'decided at run time'}` : '',
          s.approval ? `approval by ${s.approval.groups.join(' or ')} within ${s.approval.timeout}` : '',
          s.undo ? `undo ${s.undo}` : '',
        ].filter(Boolean);
        lines.push(`${indent}${String(s.wave).padStart(2)}  ${s.id.padEnd(14)} ${notes.join('; ')}`);
        if (s.steps) printSteps(s.steps, `${indent}      `);
      }
    };
    printSteps(r.steps, '    ');
    for (const s of r.steps.filter((x) => x.output !== undefined && x.runs !== 'rfm:read-resource'))
      lines.push(
        `  ${s.id} renders:`,
        ...JSON.stringify(s.output, null, 2)
          .split('\n')
          .map((l) => `    ${l}`),
      );
    lines.push(`  git ${r.git.repository}:`);
    for (const f of r.git.files)
      lines.push(
        ...f.diff
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`),
      );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) usage('which request file?');
  const token = process.env.TOKEN;
  if (!token) usage('TOKEN is not set');
  const api = (process.env.API_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const res = await fetch(`${api}/v1/requests/preview`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: readFileSync(file, 'utf8'),
  });
  const body = (await res.json()) as RequestPlan & { error?: { message: string } };
  if (!res.ok) {
    console.error(`${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    process.exit(1);
  }
  console.log(args.includes('--json') ? JSON.stringify(body, null, 2) : describePlan(body));
}

if (require.main === module)
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
