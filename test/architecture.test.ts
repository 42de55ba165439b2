/**
 * The layout is the architecture: each top-level folder may import only the folders listed for it
 * below (its own files freely). A file's folder is the first segment of its path; `test_support/`
 * inside a folder belongs to that folder. Data flows gateway → codec → core ring → logic / journal /
 * replication → output ring → gateway; imports point the other way, down to the formats:
 *
 *   cli ─► gateway ─► projection ─► client ─► codec   perf, test: may import any product folder and scripts
 *    │        └─────► core ───► codec                      (test may also import perf's helpers)
 *    └─► replication ─► engine ─► replay ─► journal ─► core ─► codec
 *
 * codec        wire and record formats (FlatBuffers, descriptors, JSON): imports nothing
 * core         ring, business logic, the logic worker, the worker protocol, the input publisher
 * journal      journaler worker, segments, snapshots
 * replay       recovery at start and the replay tool's library
 * engine       the one wiring file and its helpers (release gate, metrics, snapshot scheduling)
 * replication  the primary's replicator and the follower (which runs an engine), promotion
 * client       the client package and the frame format it shares with the gateway
 * projection   the PostgreSQL projection (`ringline project`): schema, batch writer, projector loop, history reads,
 *              the embedded PostgreSQL; reads the event stream through the client
 * gateway      TCP / WebSocket / HTTP servers, sessions, principals; talks to core's engine API; history routes read projection
 * cli          every `ringline` subcommand: wires gateway, engine and replication together (cluster_node.ts too)
 * docs         the manuals and the examples in other languages that tests run (test may read them)
 * scripts      the project's own installers (scripts/ensure_etcd.ts): imports nothing; tests and benches use them
 *
 * The test parses every .ts/.mjs file's relative imports (static, dynamic and new URL(…,
 * import.meta.url) worker entries) and fails on any import a folder is not allowed, and on any cycle
 * between folders (which the table rules out only while it stays acyclic — checked too).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  codec: [],
  docs: [],
  core: ['codec'],
  journal: ['core', 'codec'],
  replay: ['journal', 'core', 'codec'],
  engine: ['replay', 'journal', 'core', 'codec'],
  replication: ['engine', 'replay', 'journal', 'core', 'codec'],
  client: ['codec'],
  projection: ['client', 'core', 'codec'],
  gateway: ['projection', 'client', 'core', 'codec'],
  cli: ['gateway', 'projection', 'client', 'replication', 'engine', 'replay', 'journal', 'core', 'codec'],
  scripts: [],
  perf: ['scripts', 'cli', 'gateway', 'projection', 'client', 'replication', 'engine', 'replay', 'journal', 'core', 'codec'],
  test: ['perf', 'scripts', 'cli', 'gateway', 'projection', 'client', 'replication', 'engine', 'replay', 'journal', 'core', 'codec', 'docs'],
};

/** Relative specifiers of static/dynamic imports, re-exports and worker entries (new URL(spec, import.meta.url)). */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])(\.\.?\/[^'"]+)\1/g;

interface FolderImport { readonly from: string; readonly to: string; readonly file: string; readonly target: string }

function folderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

function folderImports(): FolderImport[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').filter((f) => f !== '' && !f.startsWith('codec/generated/') && !f.startsWith('node_modules/'));
  const found: FolderImport[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      continue; // deleted in the work tree, not yet staged
    }
    for (const match of text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[2]));
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to && to !== '.' && to !== 'node_modules') found.push({ from, to, file, target });
    }
  }
  return found;
}

/** Folder-level cycles: every strongly connected component with more than one folder, as a sorted list. */
function folderCycles(edges: readonly FolderImport[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) for (const n of next.get(stack.pop()!) ?? []) if (!seen.has(n)) { seen.add(n); stack.push(n); }
    return seen;
  };
  const reachable = new Map([...next.keys()].map((k) => [k, reach(k)]));
  const components = new Set<string>();
  for (const a of next.keys()) {
    const component = [...next.keys()].filter((b) => b === a || (reachable.get(a)!.has(b) && reachable.get(b)!.has(a)));
    if (component.length > 1) components.add(component.sort().join(' '));
  }
  return [...components].map((c) => c.split(' '));
}

describe('architecture', () => {
  const edges = folderImports();

  it('finds the imports it checks (the parser still matches this code base)', () => {
    expect(edges.some((e) => e.file === 'cli/start_command.ts' && e.to === 'gateway')).toBe(true);
    expect(edges.some((e) => e.file === 'engine/engine.ts' && e.to === 'core')).toBe(true);
    expect(edges.some((e) => e.to === 'journal' && e.target === 'journal/journaler_worker.ts')).toBe(true); // a new URL worker entry
  });

  it('every top-level folder is in the table', () => {
    const folders = new Set(edges.flatMap((e) => [e.from, e.to]));
    folders.delete('.');
    expect([...folders].filter((f) => !(f in MAY_IMPORT)).sort()).toEqual([]);
  });

  it('no folder imports a folder above it', () => {
    const upward = edges.filter((e) => MAY_IMPORT[e.from] !== undefined && !MAY_IMPORT[e.from].includes(e.to))
      .map((e) => `${e.file} imports ${e.target} (${e.from} may import only: ${MAY_IMPORT[e.from].join(', ') || 'nothing'})`);
    expect(upward).toEqual([]);
  });

  it('no import cycle between folders, and the table itself is acyclic', () => {
    expect(folderCycles(edges)).toEqual([]);
    const tableEdges = Object.entries(MAY_IMPORT).flatMap(([from, tos]) => tos.map((to) => ({ from, to, file: '', target: '' })));
    expect(folderCycles(tableEdges)).toEqual([]);
  });

  it('the cycle finder finds a cycle (it can fail)', () => {
    const a = { file: 'a/x.ts', target: 'b/y.ts' };
    expect(folderCycles([{ from: 'a', to: 'b', ...a }, { from: 'b', to: 'c', ...a }, { from: 'c', to: 'a', ...a }])).toEqual([['a', 'b', 'c']]);
  });
});
