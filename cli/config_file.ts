/**
 * The JSON config file every command that runs an engine reads (`ringline start`, `ringline follow`,
 * `ringline replay`: --config / RINGLINE_CONFIG): an object whose optional "engine" key is an object
 * of engine options (its "logic" the state machine's capacities). Errors name the file; each command
 * puts its own name in front. Unknown keys inside "engine" are refused with their path (engine.logic.x),
 * and the logic capacities are validated here, before anything starts (a message naming the option
 * and its range).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LOGIC_CONFIG, validateLogicConfig } from '../core/logic/logic_config.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import { checkEngineConfigKeys } from '../engine/engine_options.ts';

export interface ConfigFile {
  /** Every top-level key as written (`ringline start` checks them against its options). */
  readonly keys: Record<string, unknown>;
  /** The "engine" object, or {} when the file has none. */
  readonly engine: Record<string, unknown>;
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`config file ${path} must hold a JSON object`);
  }
  const keys = parsed as Record<string, unknown>;
  const engine = keys.engine ?? {};
  if (typeof engine !== 'object' || engine === null || Array.isArray(engine)) throw new Error(`${path}: "engine" must be an object`);
  try {
    checkEngineConfigKeys(engine as Record<string, unknown>);
    const logic = (engine as { logic?: Partial<LogicConfig> }).logic;
    if (logic !== undefined) validateLogicConfig({ ...DEFAULT_LOGIC_CONFIG, ...logic });
  } catch (error) {
    throw new Error(`config file ${path}: ${(error as Error).message}`);
  }
  return { keys, engine: engine as Record<string, unknown> };
}
