// Exact squared Euclidean distance transform with anisotropic spacing
// (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions",
// 2012): the 3-D transform is three 1-D lower envelopes of parabolas, one
// pass per axis, O(N) in all.

export type Shape3 = readonly [number, number, number];
export type Spacing3 = readonly [number, number, number];

/**
 * For every voxel of a row-major [X, Y, Z] grid, the squared distance in mm²
 * to the nearest voxel where `features` is non-zero (+Infinity when there is
 * none). Distances are measured between voxel centres, `spacing` mm apart
 * along each axis, as scipy's distance_transform_edt(~features, sampling).
 */
export function squaredDistanceTransform(features: Uint8Array, shape: Shape3, spacing: Spacing3): Float64Array {
  const [nx, ny, nz] = shape;
  if (features.length !== nx * ny * nz) throw new RangeError(`distance transform: ${features.length} voxels for shape [${shape.join(', ')}]`);
  const out = new Float64Array(features.length);
  for (let i = 0; i < features.length; i++) out[i] = features[i] ? 0 : Infinity;
  const longest = Math.max(nx, ny, nz);
  const scratch = new LowerEnvelope(longest);
  // Axis a has lines of length n[a] with stride s[a]; the other two axes enumerate the lines.
  transformAxis(out, scratch, nz, 1, spacing[2], nx * ny, (l) => l * nz);
  transformAxis(out, scratch, ny, nz, spacing[1], nx * nz, (l) => Math.floor(l / nz) * ny * nz + (l % nz));
  transformAxis(out, scratch, nx, ny * nz, spacing[0], ny * nz, (l) => l);
  return out;
}

function transformAxis(
  grid: Float64Array,
  envelope: LowerEnvelope,
  length: number,
  stride: number,
  step: number,
  lines: number,
  lineStart: (line: number) => number,
): void {
  const { line } = envelope;
  for (let l = 0; l < lines; l++) {
    const start = lineStart(l);
    for (let q = 0, at = start; q < length; q++, at += stride) line[q] = grid[at];
    envelope.transform(length, step);
    for (let q = 0, at = start; q < length; q++, at += stride) grid[at] = envelope.result[q];
  }
}

/** Scratch space for the 1-D transform of one line. */
class LowerEnvelope {
  readonly line: Float64Array;
  readonly result: Float64Array;
  /** Sample index of the k-th parabola of the envelope. */
  private readonly vertex: Int32Array;
  /** The k-th parabola is lowest from boundary[k] to boundary[k + 1] (in sample units). */
  private readonly boundary: Float64Array;

  constructor(capacity: number) {
    this.line = new Float64Array(capacity);
    this.result = new Float64Array(capacity);
    this.vertex = new Int32Array(capacity);
    this.boundary = new Float64Array(capacity + 1);
  }

  /** result[p] = min_q (step·(p − q))² + line[q] over the first n samples. */
  transform(n: number, step: number): void {
    const { line, result, vertex, boundary } = this;
    const step2 = step * step;
    // Parabolas of infinite height never reach the envelope; skipping them
    // also keeps Infinity − Infinity out of the intersections.
    let k = -1;
    for (let q = 0; q < n; q++) {
      const fq = line[q];
      if (fq === Infinity) continue;
      if (k < 0) {
        k = 0;
        vertex[0] = q;
        boundary[0] = -Infinity;
        boundary[1] = Infinity;
        continue;
      }
      // Intersection (in sample units) of the parabolas rooted at q and at the envelope's last vertex.
      const height = fq / step2 + q * q;
      let s: number;
      for (;;) {
        const p = vertex[k];
        s = (height - (line[p] / step2 + p * p)) / (2 * (q - p));
        if (s <= boundary[k] && k > 0) k--;
        else break;
      }
      k++;
      vertex[k] = q;
      boundary[k] = s;
      boundary[k + 1] = Infinity;
    }
    if (k < 0) {
      result.fill(Infinity, 0, n);
      return;
    }
    k = 0;
    for (let q = 0; q < n; q++) {
      while (boundary[k + 1] < q) k++;
      const d = q - vertex[k];
      result[q] = step2 * d * d + line[vertex[k]];
    }
  }
}
