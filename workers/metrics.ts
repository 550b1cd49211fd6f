/**
 * The worker's side of the metrics: the `metrics` sink the workflow interceptors report ended
 * requests and templates to, and an activity interceptor timing every step by template and task.
 */
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import {
  requestDuration,
  requestResourcesTotal,
  requestsTotal,
  secondsSince,
  stepDuration,
  templateDuration,
} from '../platform/metrics';
import { TEMPLATE_HEADER, type MetricsSinks, type WorkflowEnded } from '../workflows/metrics-interceptors';
import { INTERPRETER_WORKFLOW_TYPE } from '../workflows/interpreter/runner';

/** The workflow interceptors module, bundled with the workflows. */
export const workflowInterceptorModules = [require.resolve('../workflows/metrics-interceptors')];

function workflowEnded(ended: WorkflowEnded): void {
  if (ended.workflowType === INTERPRETER_WORKFLOW_TYPE) {
    templateDuration.observe({ template: ended.template ?? 'none', outcome: ended.outcome }, ended.seconds);
    return;
  }
  if (ended.resources === undefined) return;
  requestsTotal.inc({ outcome: ended.outcome });
  requestDuration.observe({ outcome: ended.outcome }, ended.seconds);
  for (const r of ended.resources)
    requestResourcesTotal.inc({ type: r.type, action: r.action, outcome: r.outcome });
}

/** The sinks every orchestrator worker is given; never called while replaying. */
export const metricsSinks: InjectedSinks<MetricsSinks> = {
  metrics: { workflowEnded: { fn: (_info, ended) => workflowEnded(ended), callDuringReplay: false } },
};

/** Times each activity attempt: template (from the workflow's header), task id and outcome. */
export const stepMetrics: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const header = input.headers[TEMPLATE_HEADER];
      const template = header ? String(defaultPayloadConverter.fromPayload(header)) : 'none';
      const labels = { template, task: ctx.info.activityType };
      const started = process.hrtime.bigint();
      try {
        const result = await next(input);
        stepDuration.observe({ ...labels, outcome: 'ok' }, secondsSince(started));
        return result;
      } catch (err) {
        const outcome =
          err instanceof ApplicationFailure ? (err.type ?? 'Error') : ((err as Error)?.name ?? 'Error');
        stepDuration.observe({ ...labels, outcome }, secondsSince(started));
        throw err;
      }
    },
  },
});
