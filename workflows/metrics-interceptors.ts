/**
 * Workflow interceptors for the metrics: each request and template run reports how it ended to
 * the worker's `metrics` sink (not during replay, so a run is counted once), and each activity a
 * template schedules carries the template's name in a header for the step-duration histogram.
 * Deterministic: workflow time, no I/O.
 */
import {
  defaultPayloadConverter,
  isCancellation,
  proxySinks,
  workflowInfo,
  ContinueAsNew,
  type Sinks,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { RequestedResource } from '../common/request';
import { TemplateName } from '../common/search-attributes';

/** The header naming the template whose step an activity is. */
export const TEMPLATE_HEADER = 'oo-template';

/** How a request or template run ended, as the sink receives it. */
export interface WorkflowEnded {
  workflowType: string;
  /** The template a template run interprets; undefined for other workflows. */
  template?: string;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  seconds: number;
  /** A request's resources, each with how it ended. */
  resources?: { type: string; action: string; outcome: string }[];
}

export interface MetricsSinks extends Sinks {
  metrics: { workflowEnded(ended: WorkflowEnded): void };
}

const { metrics } = proxySinks<MetricsSinks>();

function resourcesOf(args: unknown[], result: unknown, fallback: string): WorkflowEnded['resources'] {
  const requested = (args[0] as { resources?: RequestedResource[] } | undefined)?.resources;
  if (!Array.isArray(requested)) return undefined;
  const ended = (result as { resources?: { state?: string }[] } | undefined)?.resources;
  return requested.map((r, i) => ({
    type: r.type,
    action: r.action,
    outcome: ended?.[i]?.state ?? fallback,
  }));
}

/** The template a template run interprets (its TemplateName search attribute). */
const templateOfRun = (): string | undefined => workflowInfo().typedSearchAttributes.get(TemplateName);

export const interceptors: WorkflowInterceptorsFactory = () => {
  // The factory runs before the workflow's info is complete: read it when the workflow runs.
  const report = (outcome: WorkflowEnded['outcome'], args: unknown[], result?: unknown) => {
    const info = workflowInfo();
    metrics.workflowEnded({
      workflowType: info.workflowType,
      template: templateOfRun(),
      outcome,
      seconds: (Date.now() - info.startTime.getTime()) / 1000,
      resources: resourcesOf(args, result, outcome),
    });
  };
  return {
    inbound: [
      {
        async execute(input, next) {
          try {
            const result = await next(input);
            const status = (result as { status?: string } | undefined)?.status;
            report(status === 'failed' || status === 'cancelled' ? status : 'succeeded', input.args, result);
            return result;
          } catch (err) {
            if (!(err instanceof ContinueAsNew))
              report(isCancellation(err) ? 'cancelled' : 'failed', input.args);
            throw err;
          }
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          const template = templateOfRun();
          if (!template) return next(input);
          return next({
            ...input,
            headers: { ...input.headers, [TEMPLATE_HEADER]: defaultPayloadConverter.toPayload(template) },
          });
        },
      },
    ],
  };
};
