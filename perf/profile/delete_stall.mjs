// Does deleting a large file (what snapshot retention does to retired 256 MiB journal segments) stall
// the journal's fdatasync, and does deleting it in steps help? (docs/performance.md, "Sparse snapshots,
// quiet")
//
//   node perf/profile/delete_stall.mjs parent [dir=/tmp/unlink-exp] [stepMiB=16] [rounds=3]
//
// A child process stands in for the journaler: it appends 4 KiB and fdatasyncs, every ~1 ms (each sync
// of a growing file needs a file-system journal commit, as the engine's do). The parent writes a 256 MiB
// file, waits, deletes it, either whole (unlink) or stepped (ftruncate by stepMiB with an fdatasync each,
// then unlink), alternating, then prints the child's fdatasync latency from each delete to 1 s after,
// and in an idle window. What it shows depends on the file system's mount options (online `discard`).
import { openSync, writeSync, fdatasyncSync, closeSync, unlinkSync, ftruncateSync, mkdirSync } from 'node:fs';
import { fork } from 'node:child_process';
const dir = process.argv[3] ?? '/tmp/unlink-exp';
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
if (process.argv[2] === 'journal') {
  const fd = openSync(`${dir}/journal`, "w");
  const page = Buffer.alloc(4096, 1);
  // APPEND mode: every write grows the file, as the journal's do (each fdatasync then needs a jbd2 commit).
  const out = [];
  process.on('message', () => { process.send(out, () => process.exit(0)); });
  let off = 0;
  const tick = () => {
    for (let k = 0; k < 50; k++) {
      writeSync(fd, page, 0, 4096, off); off += 4096;
      const t = performance.timeOrigin + performance.now();
      fdatasyncSync(fd);
      out.push([t, performance.timeOrigin + performance.now() - t]);
      sleep(1);
    }
    setImmediate(tick);
  };
  process.send('ready'); tick();
} else {
  mkdirSync(dir, { recursive: true });
  const child = fork(new URL(import.meta.url).pathname, ['journal', dir]);
  await new Promise((r) => child.once('message', r));
  const windows = [];
  const slice = Buffer.alloc(4 << 20);
  const make = () => { const fd = openSync(`${dir}/big`, 'w'); for (let i = 0; i < 64; i++) { writeSync(fd, slice); fdatasyncSync(fd); } closeSync(fd); };
  const now = () => performance.timeOrigin + performance.now();
  const stepMiB = Number(process.argv[4] ?? 16);
  sleep(2000);
  for (let round = 0; round < Number(process.argv[5] ?? 3); round++) {
    for (const mode of round % 2 === 0 ? ['unlink', 'stepped'] : ['stepped', 'unlink']) {
      make(); sleep(2500);
      const t0 = now();
      if (mode === 'unlink') unlinkSync(`${dir}/big`);
      else {
        const fd = openSync(`${dir}/big`, 'r+');
        for (let size = 256 - stepMiB; size >= 0; size -= stepMiB) { ftruncateSync(fd, size << 20); fdatasyncSync(fd); }
        closeSync(fd); unlinkSync(`${dir}/big`);
      }
      const t1 = now();
      windows.push({ mode, t0, t1 }); sleep(2500);
    }
  }
  const idle0 = now(); sleep(3000); const idle1 = now();
  child.send('stop');
  const lat = await new Promise((r) => child.once('message', r));
  const stats = (rows) => { const v = rows.map((x) => x[1]).sort((a, b) => a - b); return v.length ? `n ${v.length} p50 ${v[v.length >> 1].toFixed(2)} p99 ${v[Math.floor(v.length * 0.99)].toFixed(2)} max ${v[v.length - 1].toFixed(2)} ms` : 'n 0'; };
  for (const w of windows) console.log(`${w.mode.padEnd(8)} delete took ${(w.t1 - w.t0).toFixed(0)} ms; journal fdatasync from delete start to +1 s after: ${stats(lat.filter(([t]) => t >= w.t0 && t < w.t1 + 1000))}`);
  console.log(`idle     journal fdatasync: ${stats(lat.filter(([t]) => t >= idle0 && t < idle1))}`);
}
