/**
 * Test helper for the zero-allocation proofs: runs `run` under V8's sampling heap profiler, asked to
 * keep samples of objects a GC has already collected, and sums the sampled bytes that the profiler
 * attributes to functions in files `owned` accepts (test files never count). `sites` names each one
 * (function, file, bytes) so a failing test says where the allocation is.
 */
import { Session } from 'node:inspector/promises';

interface HeapProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface SampledAllocations {
  readonly bytes: number;
  readonly sites: string[];
}

export async function sampleAllocatedBytes(run: () => void, owned: (url: string) => boolean): Promise<SampledAllocations> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 32, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  } as never);
  run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapProfileNode } };
  session.disconnect();
  let bytes = 0;
  const sites: string[] = [];
  const walk = (node: HeapProfileNode): void => {
    if (node.selfSize > 0 && owned(node.callFrame.url) && !node.callFrame.url.endsWith('.test.ts')) {
      bytes += node.selfSize;
      sites.push(`${node.callFrame.functionName} ${node.callFrame.url.split('/').pop()} ${node.selfSize}`);
    }
    node.children.forEach(walk);
  };
  walk(profile.head);
  return { bytes, sites };
}
