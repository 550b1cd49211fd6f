/** The worker's own health check, answered on every task queue. */
import { defineSystem } from '../task';
import { ping } from './ping';

export const pingSystem = defineSystem({
  name: 'system',
  taskQueue: 'every',
  tasks: [ping],
  createDeps: () => undefined,
});
