/**
 * nodejs-order-book (the npm package, 10.1.1) beside our order book, in one worker thread, on the
 * same order stream: exchange-core's mix around 1K resting orders (case `nodejs-order-book`) and the
 * crossing mix (case `nodejs-order-book-crossing`). Both engines run each chunk of 131,072 commands
 * in turn, each timed on its own; GC events are counted for each engine's timed windows.
 *
 * Not like for like in our disfavour: our figure includes settling every trade in the ledger
 * (reservations and both legs) and the result record; the peer only matches. Errors: commands the
 * peer rejected that we accepted or vice versa are reported in the conditions (streams are generated
 * so that both should accept nearly all of them).
 */
import type { PeerBenchReply, PeerBenchRequest } from '../workers/order_book_peer_worker.ts';
import { median } from '../median.ts';
import { runWorkerForReply } from '../worker_reply.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const WORKER_URL = new URL('../workers/order_book_peer_worker.ts', import.meta.url);

function runPeerWorker(request: PeerBenchRequest): Promise<PeerBenchReply> {
  return runWorkerForReply<PeerBenchReply>(WORKER_URL, request, 'order book peer worker');
}

const CASES = [
  { name: 'nodejs-order-book', mix: 'order-mix-1k' },
  { name: 'nodejs-order-book-crossing', mix: 'order-crossing' },
] as const;

export const run: ScenarioRun = async (options) => {
  const rows: ResultRow[] = [];
  const commands = options.mode === 'full' ? 3_000_000 : 500_000;
  for (const c of CASES) {
    const replies: PeerBenchReply[] = [];
    for (let r = 0; r < options.runs; r++) {
      options.log(`order book peer ${c.name}: run ${r + 1}/${options.runs}, ${commands.toLocaleString('en-US')} commands`);
      replies.push(await runPeerWorker({ mix: c.mix, commands }));
    }
    const ours = Math.round(median(replies.map((x) => x.oursPerSecond)));
    const theirs = Math.round(median(replies.map((x) => x.peerPerSecond)));
    const last = replies[replies.length - 1];
    options.log(`order book peer ${c.name}: ours ${(ours / 1e6).toFixed(2)} M/s, nodejs-order-book ${(theirs / 1e3).toFixed(0)} k/s, ` +
      `×${(ours / theirs).toFixed(1)}; GC ours ${last.oursGc}, peer ${last.peerGc}`);
    rows.push({
      scenario: 'peers',
      case: c.name,
      conditions: {
        mix: c.mix, commands, runs: options.runs, thread: 'one worker, engines alternate per chunk of 131072',
        peerPerSecond: theirs, oursRejected: last.oursRejected, peerRejected: last.peerErrors,
        oursRestingAtEnd: last.oursResting, peerLevelsAtEnd: last.peerResting,
        note: 'ours also settles every trade in the ledger; the peer only matches',
      },
      throughput_per_s: ours,
      latency_us: null,
      gc_events: { ringline: last.oursGc, 'nodejs-order-book': last.peerGc },
      errors: 0,
      peer: 'nodejs-order-book 10.1.1',
      ratio_vs_peer: Math.round((ours / theirs) * 100) / 100,
    });
  }
  return rows;
};
