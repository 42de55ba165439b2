/**
 * Writing and reading one snapshot file (snapshot_descriptor.ts). Synchronous on purpose: it runs in
 * the snapshot worker (snapshot_store.ts), in recovery before the engine serves, and in the replay CLI
 * — never on the business-logic thread while it serves.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StateSection } from '../core/logic/state_machine_api.ts';
import { namesInDir } from './segment_files.ts';
import {
  parseSnapshotFileName, SECTION_NAME_MAX_BYTES, SectionEntry, SNAP_STATE_HASH_MAX_BYTES, SnapHeader,
  SNAPSHOT_CHUNK_BYTES, SNAPSHOT_DIR_NAME, SNAPSHOT_FILE_SUFFIX, SNAPSHOT_MAGIC, SNAPSHOT_MAX_SECTIONS,
  SNAPSHOT_TEMP_SUFFIX, SNAPSHOT_VERSION, SNAPSHOT_VERSION_DENSE, snapshotFileName,
} from './snapshot_descriptor.ts';
import { ensureDirectory, fsyncDirectory } from './segment_files.ts';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';
import { SnapshotStepTimer } from './snapshot_steps.ts';
import {
  chunkMapBytes, chunkMapFault, classifyChunks, forEachStoredRun, isValidChunkBytes, rebuildContinuedChunks, storedChunkBytes,
} from './snapshot_chunks.ts';

export interface SnapshotFile {
  readonly path: string;
  readonly sequence: number;
}

export interface LoadedSnapshot {
  readonly path: string;
  readonly sequence: number;
  readonly stateHash: string;
  readonly sections: StateSection[];
  readonly fileBytes: number;
}

export function snapshotDir(dataDir: string): string {
  return join(dataDir, SNAPSHOT_DIR_NAME);
}

/** Removes `*.snapshot.tmp` files a crash left behind mid-write (recovery does this before serving). */
export function removeSnapshotTempFiles(dataDir: string): string[] {
  const names = namesInDir(snapshotDir(dataDir));
  const removed = names.filter((name) => name.endsWith(SNAPSHOT_FILE_SUFFIX + SNAPSHOT_TEMP_SUFFIX)).map((name) => join(snapshotDir(dataDir), name));
  for (const path of removed) rmSync(path, { force: true });
  return removed;
}

/** Snapshot files of a data directory, oldest first (temp files are ignored). */
export function listSnapshots(dataDir: string): SnapshotFile[] {
  const names = namesInDir(snapshotDir(dataDir));
  const files: SnapshotFile[] = [];
  for (const name of names) {
    const sequence = parseSnapshotFileName(name);
    if (sequence >= 0) files.push({ path: join(snapshotDir(dataDir), name), sequence });
  }
  return files.sort((a, b) => a.sequence - b.sequence);
}

const ASCII = new TextEncoder();
const ASCII_DECODER = new TextDecoder('latin1');

/**
 * Writes `<seq>.snapshot.tmp` (version 2: each section as its chunk map and the chunks that are
 * neither zero nor a linear continuation of the two before them, snapshot_chunks.ts),
 * fdatasyncs, renames and fsyncs the directory. Returns path and size; `timer` collects the time of
 * each step.
 */
export function writeSnapshotFile(
  dataDir: string, sequence: number, sections: readonly StateSection[], stateHash: string, timer = new SnapshotStepTimer(),
): { path: string; fileBytes: number } {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`snapshot sequence ${sequence} is invalid`);
  if (stateHash.length > SNAP_STATE_HASH_MAX_BYTES || !/^[\x20-\x7e]*$/.test(stateHash)) {
    throw new RangeError(`snapshot state hash must be ASCII of at most ${SNAP_STATE_HASH_MAX_BYTES} characters`);
  }
  if (sections.length > SNAPSHOT_MAX_SECTIONS) throw new RangeError(`snapshot has ${sections.length} sections (max ${SNAPSHOT_MAX_SECTIONS})`);
  const chunkBytes = SNAPSHOT_CHUNK_BYTES;
  const tableBytes = SnapHeader.BYTES + SectionEntry.BYTES * sections.length;
  // Every section's chunk map, each at an 8-aligned offset: kilobytes, where the state is ~100 MB.
  const mapOffsets: number[] = [];
  let mapsBytes = 0;
  for (const section of sections) {
    mapOffsets.push(mapsBytes);
    mapsBytes += pad8(chunkMapBytes(section.bytes.byteLength, chunkBytes));
  }
  const head = Buffer.alloc(tableBytes);
  const maps = Buffer.alloc(mapsBytes);
  const storedBytes = timer.time('chunkScan', () => sections.map((section, i) =>
    classifyChunks(section.bytes, chunkBytes, maps.subarray(mapOffsets[i]))));
  let dataOffset = tableBytes;
  timer.start();
  sections.forEach((section, i) => {
    const entry = SnapHeader.BYTES + i * SectionEntry.BYTES;
    const name = ASCII.encode(section.name);
    if (name.length > SECTION_NAME_MAX_BYTES) throw new RangeError(`snapshot section name ${section.name} is longer than ${SECTION_NAME_MAX_BYTES}`);
    const length = section.bytes.byteLength;
    const map = maps.subarray(mapOffsets[i], mapOffsets[i] + chunkMapBytes(length, chunkBytes));
    let crc = crc32(map);
    forEachStoredRun(map, length, chunkBytes, (start, end) => {
      crc = crc32(section.bytes.subarray(start, end), crc);
    });
    head.set(name, entry + SectionEntry.NAME);
    head.writeUInt32LE(name.length, entry + SectionEntry.NAME_LENGTH);
    head.writeUInt32LE(crc, entry + SectionEntry.CRC);
    head.writeDoubleLE(dataOffset, entry + SectionEntry.DATA);
    head.writeDoubleLE(length, entry + SectionEntry.LENGTH);
    dataOffset += pad8(map.length) + pad8(storedBytes[i]);
  });
  timer.end('sectionCrc');
  const fileBytes = dataOffset;
  head.writeUInt32LE(SNAPSHOT_MAGIC, SnapHeader.MAGIC);
  head.writeUInt16LE(SNAPSHOT_VERSION, SnapHeader.VERSION);
  head.writeUInt16LE(SnapHeader.BYTES, SnapHeader.HEADER_BYTES);
  head.writeDoubleLE(sequence, SnapHeader.SEQUENCE);
  head.writeUInt32LE(sections.length, SnapHeader.SECTION_COUNT);
  head.writeUInt32LE(stateHash.length, SnapHeader.STATE_HASH_LENGTH);
  head.writeDoubleLE(fileBytes, SnapHeader.FILE_BYTES);
  head.write(stateHash, SnapHeader.STATE_HASH, 'latin1');
  head.writeUInt32LE(chunkBytes, SnapHeader.CHUNK_BYTES);
  head.writeUInt32LE(headerCrc(head), SnapHeader.HEADER_CRC);

  const dir = snapshotDir(dataDir);
  ensureDirectory(dir, true, true);
  const path = join(dir, snapshotFileName(sequence));
  const tempPath = path + SNAPSHOT_TEMP_SUFFIX;
  const fd = openSync(tempPath, 'w', DATA_FILE_MODE);
  const padding = new Uint8Array(8);
  try {
    try {
      const out = new SyncingWriter(fd, timer);
      out.write(head);
      sections.forEach((section, i) => {
        const length = section.bytes.byteLength;
        out.write(maps.subarray(mapOffsets[i], mapOffsets[i] + pad8(chunkMapBytes(length, chunkBytes))));
        forEachStoredRun(maps.subarray(mapOffsets[i]), length, chunkBytes, (start, end) => out.write(section.bytes.subarray(start, end)));
        out.write(padding.subarray(0, pad8(storedBytes[i]) - storedBytes[i]));
      });
      out.finish();
      timer.time('finalSync', () => fdatasyncSync(fd));
    } finally {
      closeSync(fd);
    }
    timer.start();
    renameSync(tempPath, path);
  } catch (error) {
    // A full disk must not also keep a half-written snapshot: the temporary goes, the error stays.
    rmSync(tempPath, { force: true });
    throw error;
  }
  fsyncDirectory(dir);
  timer.end('renameDirSync');
  return { path, fileBytes };
}

/**
 * Bytes written to a snapshot between two fdatasyncs. ext4 (data=ordered) commits its journal only once
 * the data of blocks allocated in the transaction is on disk, and the engine's journal appends with
 * fdatasync, so every one of its group commits needs such a commit: a snapshot written whole and synced
 * once (116 MB at the default capacities) made the journal's fdatasyncs that met its writeback wait for
 * all of it. Synced in slices, the journal waits for one slice at most.
 */
export const SNAPSHOT_SYNC_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Writes a file in order, with an fdatasync after every SNAPSHOT_SYNC_EVERY_BYTES. Its time between
 * syncs is the step `write`, each sync `sliceSync`; finish() ends the last `write`.
 */
class SyncingWriter {
  private unsyncedBytes = 0;

  constructor(private readonly fd: number, private readonly timer: SnapshotStepTimer) {
    timer.start();
  }

  write(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const length = Math.min(bytes.byteLength - offset, SNAPSHOT_SYNC_EVERY_BYTES - this.unsyncedBytes);
      const written = writeSync(this.fd, bytes, offset, length);
      offset += written;
      this.unsyncedBytes += written;
      if (this.unsyncedBytes >= SNAPSHOT_SYNC_EVERY_BYTES) {
        this.timer.end('write');
        this.timer.time('sliceSync', () => fdatasyncSync(this.fd));
        this.unsyncedBytes = 0;
        this.timer.start();
      }
    }
  }

  finish(): void {
    this.timer.end('write');
  }
}

function pad8(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** CRC of the header (its CRC field excluded) and the section table. */
function headerCrc(head: Uint8Array): number {
  const before = crc32(head.subarray(0, SnapHeader.HEADER_CRC));
  return crc32(head.subarray(SnapHeader.BYTES), before);
}

/** Reads and verifies a snapshot (version 1 or 2); throws an Error naming the file and what is wrong. */
export function readSnapshotFile(path: string): LoadedSnapshot {
  const file = readFileSync(path);
  const fail = (what: string): never => {
    throw new Error(`snapshot ${path}: ${what}`);
  };
  if (file.length < SnapHeader.BYTES) fail(`file is ${file.length} bytes, shorter than its header`);
  if (file.readUInt32LE(SnapHeader.MAGIC) !== SNAPSHOT_MAGIC) fail('not a ringline snapshot (bad magic)');
  const version = file.readUInt16LE(SnapHeader.VERSION);
  if (version !== SNAPSHOT_VERSION && version !== SNAPSHOT_VERSION_DENSE) fail(`unsupported version ${version}`);
  const sectionCount = file.readUInt32LE(SnapHeader.SECTION_COUNT);
  if (sectionCount > SNAPSHOT_MAX_SECTIONS) fail(`section count ${sectionCount} is out of range`);
  const tableBytes = SnapHeader.BYTES + SectionEntry.BYTES * sectionCount;
  if (file.length < tableBytes) fail('section table is cut short');
  const head = file.subarray(0, tableBytes);
  if (headerCrc(head) !== file.readUInt32LE(SnapHeader.HEADER_CRC)) fail('header CRC mismatch');
  const fileBytes = file.readDoubleLE(SnapHeader.FILE_BYTES);
  if (fileBytes !== file.length) fail(`file is ${file.length} bytes, header says ${fileBytes}`);
  const hashLength = file.readUInt32LE(SnapHeader.STATE_HASH_LENGTH);
  if (hashLength > SNAP_STATE_HASH_MAX_BYTES) fail('state hash length out of range');
  const stateHash = ASCII_DECODER.decode(file.subarray(SnapHeader.STATE_HASH, SnapHeader.STATE_HASH + hashLength));
  const entries: SectionPlace[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const entry = SnapHeader.BYTES + i * SectionEntry.BYTES;
    const nameLength = Math.min(file.readUInt32LE(entry + SectionEntry.NAME_LENGTH), SECTION_NAME_MAX_BYTES);
    const name = ASCII_DECODER.decode(file.subarray(entry, entry + nameLength));
    const offset = file.readDoubleLE(entry + SectionEntry.DATA);
    const length = file.readDoubleLE(entry + SectionEntry.LENGTH);
    if (!Number.isSafeInteger(length) || length < 0 || offset < tableBytes || offset % 8 !== 0 || offset > file.length) {
      fail(`section ${name} lies outside the file`);
    }
    entries.push({ name, offset, length, crc: file.readUInt32LE(entry + SectionEntry.CRC) });
  }
  const sections = version === SNAPSHOT_VERSION_DENSE
    ? readDenseSections(file, entries, fail)
    : readSparseSections(file, entries, file.readUInt32LE(SnapHeader.CHUNK_BYTES), fail);
  return { path, sequence: file.readDoubleLE(SnapHeader.SEQUENCE), stateHash, sections, fileBytes };
}

/** Where a section lies in the file, as its table entry says (checked against the file size). */
interface SectionPlace {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

/** Version 1: each section's bytes stored whole at its offset. */
function readDenseSections(file: Buffer, entries: readonly SectionPlace[], fail: (what: string) => never): StateSection[] {
  // One 8-aligned copy so sections can be viewed as typed arrays by importState.
  const aligned = new Uint8Array(new ArrayBuffer(pad8(file.length)));
  aligned.set(file);
  return entries.map(({ name, offset, length, crc }) => {
    if (offset + length > file.length) fail(`section ${name} lies outside the file`);
    const bytes = aligned.subarray(offset, offset + length);
    if (crc32(bytes) !== crc) fail(`section ${name} CRC mismatch`);
    return { name, bytes };
  });
}

/** Version 2: each section as its chunk map and stored chunks, rebuilt zero-filled and whole. */
function readSparseSections(
  file: Buffer, entries: readonly SectionPlace[], chunkBytes: number, fail: (what: string) => never,
): StateSection[] {
  if (!isValidChunkBytes(chunkBytes)) fail(`chunk size ${chunkBytes} is out of range`);
  // Every section in one zero-filled, 8-aligned buffer, so each can be viewed as typed arrays by importState.
  // A section's length is checked against its chunk map in the file before anything is allocated for it.
  const starts: number[] = [];
  let totalBytes = 0;
  for (const { name, offset, length } of entries) {
    if (offset + chunkMapBytes(length, chunkBytes) > file.length) fail(`section ${name} lies outside the file (its chunk map is cut short)`);
    starts.push(totalBytes);
    totalBytes += pad8(length);
  }
  let state: Uint8Array;
  try {
    state = new Uint8Array(new ArrayBuffer(totalBytes));
  } catch (error) {
    return fail(`its sections add up to ${totalBytes} bytes, more than this process can allocate (${(error as Error).message})`);
  }
  return entries.map(({ name, offset, length, crc }, i) => {
    const map = file.subarray(offset, offset + chunkMapBytes(length, chunkBytes));
    const fault = chunkMapFault(map, length, chunkBytes);
    if (fault !== null) fail(`section ${name}: ${fault}`);
    const chunksStart = offset + pad8(map.length);
    const stored = storedChunkBytes(map, length, chunkBytes);
    if (chunksStart + stored > file.length) {
      fail(`section ${name}: its chunk map lists ${stored} bytes of chunks, more than the file holds after offset ${chunksStart}`);
    }
    let computed = crc32(map);
    let at = chunksStart;
    forEachStoredRun(map, length, chunkBytes, (start, end) => {
      const run = file.subarray(at, at + end - start);
      computed = crc32(run, computed);
      state.set(run, starts[i] + start);
      at += end - start;
    });
    if (computed !== crc) fail(`section ${name} CRC mismatch (chunk map or chunks damaged)`);
    const bytes = state.subarray(starts[i], starts[i] + length);
    rebuildContinuedChunks(bytes, map, chunkBytes);
    return { name, bytes };
  });
}
