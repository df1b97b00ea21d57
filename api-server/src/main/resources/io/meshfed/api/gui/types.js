// The policy types the policies view lists, with their REST path segment (as the type
// registry of meshfed registers them; Kuma's names).
export const POLICY_TYPES = [
  ['TrafficPermission', 'traffic-permissions'],
  ['TrafficRoute', 'traffic-routes'],
  ['HealthCheck', 'health-checks'],
  ['CircuitBreaker', 'circuit-breakers'],
  ['Timeout', 'timeouts'],
  ['Retry', 'retries'],
  ['FaultInjection', 'fault-injections'],
  ['RateLimit', 'rate-limits'],
  ['ProxyTemplate', 'proxytemplates'],
  ['TrafficLog', 'traffic-logs'],
  ['TrafficTrace', 'traffic-traces'],
].map(([type, plural]) => ({ type, plural }));

export function policyType(plural) {
  return POLICY_TYPES.find(t => t.plural === plural);
}
