/**
 * A first look at a .cpuprofile without opening DevTools: the functions with the most self time.
 * `--profile` prints this for every engine thread profiled, so hot spots show up in the bench log.
 *
 * A V8 CPU profile is a call tree of nodes ({ id, callFrame: { functionName, url, lineNumber },
 * children }) plus `samples` (node id per sample) and `timeDeltas` (µs between samples).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotFunction {
  /** "name (file:line)"; "(idle)", "(program)", "(garbage collector)" as V8 names them. */
  readonly name: string;
  readonly selfMs: number;
  readonly selfShare: number;
}

/** Self time per function (summed over nodes of the same function), the largest first. */
export function hotFunctions(profile: CpuProfile, top = 10): HotFunction[] {
  const byNode = new Map<number, string>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const file = f.url === '' ? '' : f.url.replace(/^file:\/\//, '').replace(/^.*\/(core|codec|gateway|journal|replay|perf|node_modules)\//, '$1/');
    byNode.set(n.id, file === '' ? f.functionName || '(anonymous)' : `${f.functionName || '(anonymous)'} (${file}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''})`);
  }
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const name = byNode.get(samples[i]) ?? '(unknown)';
    const dt = Math.max(0, deltas[i] ?? 0);
    totalUs += dt;
    selfUs.set(name, (selfUs.get(name) ?? 0) + dt);
  }
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 10) / 100, selfShare: totalUs > 0 ? us / totalUs : 0 }));
}

/** Reads a .cpuprofile file and renders its hot functions, one line each. */
export async function summarizeProfileFile(path: string, top = 8): Promise<string[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  return hotFunctions(profile, top).map((h) => `${(h.selfShare * 100).toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.name}`);
}
