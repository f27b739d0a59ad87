import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a synthetic single-frame DICOM slice holds. */
export interface SyntheticSlice {
  seriesInstanceUID: string;
  seriesDescription?: string;
  instanceNumber: number;
  position: [number, number, number];
  orientation: [number, number, number, number, number, number];
  pixelSpacing: [number, number];
  rows: number;
  columns: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** Stored values, row-major, int16. */
  pixels: Int16Array;
  /** Explicit (default) or implicit VR little endian. */
  implicitVR?: boolean;
}

type Element = { tag: [number, number]; vr: string; value: Uint8Array };

const text = (value: string, pad = ' '): Uint8Array => {
  const padded = value.length % 2 ? value + pad : value;
  return Uint8Array.from(padded, (c) => c.charCodeAt(0));
};
const uid = (value: string) => text(value, '\0');
const us = (value: number) => new Uint8Array(Uint16Array.of(value).buffer);
const ds = (values: number[]) => text(values.map(String).join('\\'));

function encode(elements: Element[], explicit: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { tag, vr, value } of elements) {
    const longForm = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    const head = new DataView(new ArrayBuffer(explicit ? (longForm ? 12 : 8) : 8));
    head.setUint16(0, tag[0], true);
    head.setUint16(2, tag[1], true);
    if (!explicit) head.setUint32(4, value.length, true);
    else {
      head.setUint8(4, vr.charCodeAt(0));
      head.setUint8(5, vr.charCodeAt(1));
      if (longForm) head.setUint32(8, value.length, true);
      else head.setUint16(6, value.length, true);
    }
    parts.push(new Uint8Array(head.buffer), value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Writes a minimal CT Part 10 file with uncompressed pixel data. */
export function writeSyntheticSlice(path: string, slice: SyntheticSlice): void {
  const syntax = slice.implicitVR ? '1.2.840.10008.1.2' : '1.2.840.10008.1.2.1';
  const sopInstance = `${slice.seriesInstanceUID}.${slice.instanceNumber}`;
  const meta = encode(
    [
      { tag: [0x0002, 0x0001], vr: 'OB', value: Uint8Array.of(0, 1) },
      { tag: [0x0002, 0x0002], vr: 'UI', value: uid('1.2.840.10008.5.1.4.1.1.2') },
      { tag: [0x0002, 0x0003], vr: 'UI', value: uid(sopInstance) },
      { tag: [0x0002, 0x0010], vr: 'UI', value: uid(syntax) },
    ],
    true,
  );
  const groupLength = encode([{ tag: [0x0002, 0x0000], vr: 'UL', value: new Uint8Array(Uint32Array.of(meta.length).buffer) }], true);
  const body = encode(
    [
      { tag: [0x0008, 0x0016], vr: 'UI', value: uid('1.2.840.10008.5.1.4.1.1.2') },
      { tag: [0x0008, 0x0018], vr: 'UI', value: uid(sopInstance) },
      { tag: [0x0008, 0x0060], vr: 'CS', value: text('CT') },
      { tag: [0x0008, 0x103e], vr: 'LO', value: text(slice.seriesDescription ?? 'synthetic') },
      { tag: [0x0020, 0x000e], vr: 'UI', value: uid(slice.seriesInstanceUID) },
      { tag: [0x0020, 0x0013], vr: 'IS', value: text(String(slice.instanceNumber)) },
      { tag: [0x0020, 0x0032], vr: 'DS', value: ds(slice.position) },
      { tag: [0x0020, 0x0037], vr: 'DS', value: ds(slice.orientation) },
      { tag: [0x0028, 0x0002], vr: 'US', value: us(1) },
      { tag: [0x0028, 0x0004], vr: 'CS', value: text('MONOCHROME2') },
      { tag: [0x0028, 0x0010], vr: 'US', value: us(slice.rows) },
      { tag: [0x0028, 0x0011], vr: 'US', value: us(slice.columns) },
      { tag: [0x0028, 0x0030], vr: 'DS', value: ds(slice.pixelSpacing) },
      { tag: [0x0028, 0x0100], vr: 'US', value: us(16) },
      { tag: [0x0028, 0x0101], vr: 'US', value: us(16) },
      { tag: [0x0028, 0x0102], vr: 'US', value: us(15) },
      { tag: [0x0028, 0x0103], vr: 'US', value: us(1) },
      { tag: [0x0028, 0x1052], vr: 'DS', value: ds([slice.rescaleIntercept ?? 0]) },
      { tag: [0x0028, 0x1053], vr: 'DS', value: ds([slice.rescaleSlope ?? 1]) },
      { tag: [0x7fe0, 0x0010], vr: 'OW', value: new Uint8Array(slice.pixels.buffer, slice.pixels.byteOffset, slice.pixels.byteLength) },
    ],
    !slice.implicitVR,
  );
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  const file = new Uint8Array(preamble.length + groupLength.length + meta.length + body.length);
  file.set(preamble, 0);
  file.set(groupLength, 132);
  file.set(meta, 132 + groupLength.length);
  file.set(body, 132 + groupLength.length + meta.length);
  writeFileSync(path, file);
}

export const syntheticSeriesSize = { rows: 3, columns: 4 };

/**
 * Writes `count` slices of an oblique axial series (rows turned 10° about z,
 * 0.8 × 0.7 mm pixels, slices 2.5 mm apart along z plus a 0.5 mm shift in x,
 * rescale intercept −1024) in reverse file-name order. Stored value of pixel
 * p of slice n is n × 100 + p.
 */
export function writeSyntheticSeries(folder: string, uid: string, count: number, overrides: Partial<SyntheticSlice> = {}): void {
  mkdirSync(folder, { recursive: true });
  const { rows, columns } = syntheticSeriesSize;
  const c = Math.cos(Math.PI / 18);
  const s = Math.sin(Math.PI / 18);
  for (let n = 0; n < count; n++) {
    writeSyntheticSlice(join(folder, `${uid}-${String(count - n).padStart(3, '0')}.dcm`), {
      seriesInstanceUID: uid,
      instanceNumber: n + 1,
      position: [-100 + 0.5 * n, -50, 20 + 2.5 * n],
      orientation: [c, s, 0, -s, c, 0],
      pixelSpacing: [0.8, 0.7],
      rows,
      columns,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      pixels: Int16Array.from({ length: rows * columns }, (_, p) => n * 100 + p),
      ...overrides,
    });
  }
}
