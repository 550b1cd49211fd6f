/** Helpers every simulator uses: the app factory, fault injection, admin routes, credentials, the contract. */
export { createSimulatorApp, serve, type SimulatorAppOptions, type ServedApp } from './app';
export { adminRouter } from './admin';
export {
  faultMiddleware,
  defaultFaultBody,
  pathMatches,
  applyFaultsFromEnv,
  parseHttpFaultRule,
  parseOutcomeRule,
  httpFaultRuleSchema,
  outcomeRuleSchema,
  type FaultBody,
} from './faults';
export { generateCredentials, safeEqual, parseBasicAuth, parseBearer } from './credentials';
export { createContext } from './context';
export {
  RequestStats,
  type SystemName,
  type SimulatorCredentials,
  type SimulatorContext,
  type ListenOptions,
  type RunningSimulator,
  type SimulatorFactory,
  type SimulatorModule,
} from './types';
