/**
 * Thrown by a scenario that cannot run here (a part of the engine not written yet, redis-server not
 * installed...). The harness prints "<scenario>: not available — <reason>" and goes on; any other
 * error is a failure.
 */
export class ScenarioUnavailableError extends Error {
  override readonly name = 'ScenarioUnavailableError';
}
