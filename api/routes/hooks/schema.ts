/**
 * Prometheus Alertmanager's webhook payload, version 4, as Alertmanager sends it
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). Fields a later
 * Alertmanager adds are let through; what a scale-out reads is required.
 */
import { z } from 'zod';

/** A Prometheus label name, as `?groupLabel=` names the label that carries the scaling group. */
export const labelName = z
  .string()
  .max(128)
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name');

/** The label that names an alert's scaling group when `?groupLabel=` does not say. */
export const DEFAULT_GROUP_LABEL = 'scaling_group';

const labels = z.record(z.string().max(1024), z.string().max(4096));
const alertStatus = z.enum(['firing', 'resolved']);
/** RFC 3339 as Go writes it (nanoseconds, `Z` or an offset); `0001-01-01T00:00:00Z` for no end. */
const instant = z.iso.datetime({ offset: true });

export const alertSchema = z.looseObject({
  status: alertStatus,
  labels,
  annotations: labels.default({}),
  startsAt: instant,
  endsAt: instant.optional(),
  generatorURL: z.string().max(4096).default(''),
  /** Alertmanager's hash of the alert's labels: one alert, across notifications. */
  fingerprint: z.string().min(1).max(128),
});

export const alertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4', {
    error: 'must be "4", the version of Alertmanager\'s webhook payload this hook reads',
  }),
  /** Identifies the alert group (its route and grouping labels) across notifications. */
  groupKey: z.string().min(1).max(8192),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: alertStatus,
  receiver: z.string().max(1024),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().max(4096).default(''),
  alerts: z.array(alertSchema).max(1000),
});

export const hookQuerySchema = z.strictObject({ groupLabel: labelName.default(DEFAULT_GROUP_LABEL) });

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
export type Alert = z.output<typeof alertSchema>;

/** What the hook did with one alert of a notification, in the order the alerts came. */
export type AlertOutcome =
  | 'requested' // a request for `vms` more VMs was recorded
  | 'duplicate' // this firing already made its request (`requestId`): Alertmanager sent it again
  | 'cooldown' // the group scaled out less than its cooldown ago
  | 'maximum' // the group would exceed its maximum (decided under the lock, after the check)
  | 'ignored'; // resolved, or not naming a scaling group

export interface AlertResult {
  index: number;
  fingerprint: string;
  alertname?: string;
  status: 'firing' | 'resolved';
  scalingGroup?: string;
  outcome: AlertOutcome;
  reason: string;
  requestId?: string;
  vms?: number;
  names?: string[];
}
