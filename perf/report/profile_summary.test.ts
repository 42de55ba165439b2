import { describe, it, expect } from 'vitest';
import { hotFunctions, type CpuProfile } from './profile_summary.ts';

describe('hotFunctions', () => {
  it('sums self time per function over samples and ranks them', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: 'applyBuy', url: 'file:///work/main/core/logic/inventory.ts', lineNumber: 41 } },
        { id: 3, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 4, callFrame: { functionName: 'applyBuy', url: 'file:///work/main/core/logic/inventory.ts', lineNumber: 41 } },
      ],
      samples: [2, 3, 4, 2, 3],
      timeDeltas: [100, 500, 100, 300, 0],
    };
    const hot = hotFunctions(profile);
    expect(hot[0]).toEqual({ name: 'applyBuy (core/logic/inventory.ts:42)', selfMs: 0.5, selfShare: 0.5 });
    expect(hot[1]).toEqual({ name: '(idle)', selfMs: 0.5, selfShare: 0.5 });
    expect(hot).toHaveLength(2);
  });

  it('copes with a profile without samples', () => {
    expect(hotFunctions({ nodes: [] })).toEqual([]);
  });
});
