/**
 * Worker thread of the order-book peer bench: the same order stream applied to our state machine and
 * to the `nodejs-order-book` package (10.1.1) in this one thread, chunk by chunk, each timed on its
 * own. The stream comes from OrderStreamGenerator (exchange-core's mix, or the crossing mix); the peer
 * gets the equivalent calls: limit() for GTC/IOC, cancel(), modify() with a new price.
 *
 * Our machine also settles every trade in the ledger (reservations, both legs); the peer only
 * matches. GC events are attributed to each engine's timed windows by their start time.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { OrderBook, Side as PeerSide, type LimitOrderOptions } from 'nodejs-order-book';
import { Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { writeCommand } from '../../core/logic/test_support/command_writer.ts';
import { createStateMachine } from '../../core/logic/state_machine.ts';
import { CHUNK_RECORDS, ORDER_MIXES, OrderStreamGenerator, RECORD_STRIDE } from './logic_workloads.ts';

export interface PeerBenchRequest {
  readonly mix: 'order-mix-1k' | 'order-crossing';
  readonly commands: number;
}

export interface PeerBenchReply {
  readonly mix: string;
  readonly commands: number;
  readonly oursPerSecond: number;
  readonly peerPerSecond: number;
  readonly oursGc: number;
  readonly peerGc: number;
  readonly oursRejected: number;
  readonly peerErrors: number;
  readonly oursResting: number;
  readonly peerResting: number;
}

const request = workerData as PeerBenchRequest;
const KIND_PLACE = 0;
const KIND_CANCEL = 1;
const KIND_MOVE = 2;
const gcStarts: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
});
observer.observe({ entryTypes: ['gc'] });
const oursWindows: number[] = [];
const peerWindows: number[] = [];

const generator = new OrderStreamGenerator(ORDER_MIXES[request.mix], 21);
const setup = [...generator.setup, ...generator.prefill()];
const machine = createStateMachine(ORDER_MIXES[request.mix].config);
const setupBuf = createRecordBuffer(new ArrayBuffer(RECORD_STRIDE));
const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES));
const peer = new OrderBook();
const GTC = 'GTC' as LimitOrderOptions['timeInForce'];
const IOC = 'IOC' as LimitOrderOptions['timeInForce'];
for (const [header, spec] of setup) {
  writeCommand(setupBuf, 0, header, spec);
  machine.apply(setupBuf, 0, out, 0);
  if (spec.kind === 'placeOrder') {
    peer.limit({ id: String(header.sequence), side: spec.side === Side.BUY ? PeerSide.BUY : PeerSide.SELL, size: spec.quantity, price: spec.price ?? 0, timeInForce: GTC });
  }
}

const records = createRecordBuffer(new ArrayBuffer(CHUNK_RECORDS * RECORD_STRIDE));
const kind = new Uint8Array(CHUNK_RECORDS);
const side = new Uint8Array(CHUNK_RECORDS);
const tif = new Uint8Array(CHUNK_RECORDS);
const price = new Float64Array(CHUNK_RECORDS);
const size = new Float64Array(CHUNK_RECORDS);
const ids: string[] = new Array<string>(CHUNK_RECORDS).fill('');
let oursMs = 0;
let peerMs = 0;
let oursRejected = 0;
let peerErrors = 0;
for (let done = 0; done < request.commands;) {
  const n = Math.min(CHUNK_RECORDS, request.commands - done);
  for (let i = 0; i < n; i++) {
    const op = generator.next();
    const sequence = generator.emit(op, records, i * RECORD_STRIDE);
    kind[i] = op.kind === 'place' ? KIND_PLACE : op.kind === 'cancel' ? KIND_CANCEL : KIND_MOVE;
    side[i] = op.side;
    tif[i] = op.timeInForce;
    price[i] = op.price;
    size[i] = op.quantity;
    ids[i] = String(op.kind === 'place' ? sequence : op.orderId);
  }
  let started = performance.now();
  for (let i = 0; i < n; i++) {
    machine.apply(records, i * RECORD_STRIDE, out, 0);
    if (out.u16[ResHeader.CODE >>> 1] !== 0) oursRejected++;
  }
  let ended = performance.now();
  oursMs += ended - started;
  oursWindows.push(started, ended);
  started = performance.now();
  for (let i = 0; i < n; i++) {
    const k = kind[i];
    if (k === KIND_PLACE) {
      const r = peer.limit({ id: ids[i], side: side[i] === Side.BUY ? PeerSide.BUY : PeerSide.SELL, size: size[i], price: price[i],
        timeInForce: tif[i] === TimeInForce.IOC ? IOC : GTC });
      if (r.err !== null && r.err !== undefined) peerErrors++;
    } else if (k === KIND_CANCEL) {
      if (peer.cancel(ids[i]) === undefined) peerErrors++;
    } else {
      const r = peer.modify(ids[i], { price: price[i], size: size[i] });
      if (r.err !== null && r.err !== undefined) peerErrors++;
    }
  }
  ended = performance.now();
  peerMs += ended - started;
  peerWindows.push(started, ended);
  done += n;
}

await new Promise((resolve) => setTimeout(resolve, 20));
observer.disconnect();
const within = (windows: readonly number[], t: number): boolean => {
  for (let w = 0; w < windows.length; w += 2) if (t >= windows[w] && t <= windows[w + 1]) return true;
  return false;
};
const [bids, asks] = peer.depth();
const reply: PeerBenchReply = {
  mix: request.mix,
  commands: request.commands,
  oursPerSecond: (request.commands * 1000) / oursMs,
  peerPerSecond: (request.commands * 1000) / peerMs,
  oursGc: gcStarts.filter((t) => within(oursWindows, t)).length,
  peerGc: gcStarts.filter((t) => within(peerWindows, t)).length,
  oursRejected,
  peerErrors,
  oursResting: machine.book.ordersInUse,
  peerResting: bids.length + asks.length,
};
parentPort?.postMessage(reply);
