// Resampling speed by memory layout: interpolate (trilinear and voxel-centre
// nearest) of a [1, X, Y, Z] float32 volume stored contiguous against the
// same volume as a strided view of x-fastest memory (a NIfTI's C-order
// [Z, Y, X], which imageToTensor keeps). Shapes are those of the shared data's
// resampling to 1.5×1.5×2 mm plus cubes; times are medians over 5 runs.
//   node dist/bench/diagnostics/resample_layout.js
import * as T from '../../src/engine/index.js';

const CASES: [number[], number[], string][] = [
  [[122, 101, 112], [244, 202, 168], 'the CT, 3 mm → 1.5×1.5×2 mm'],
  [[256, 256, 36], [213, 213, 139], 'a CHAOS MRI'],
  [[512, 512, 100], [256, 256, 150], 'a full-resolution CT slab, in-plane down, z up'],
  [[200, 200, 200], [300, 300, 300], 'a cube, up'],
  [[300, 300, 300], [200, 200, 200], 'a cube, down'],
  [[300, 300, 300], [300, 300, 200], 'a cube, z down only'],
];

function medianMs(run: () => void, repeats = 5): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[repeats >> 1];
}

console.log('| input X×Y×Z → output | case | trilinear contiguous / x-fastest (ms) | nearest contiguous / x-fastest (ms) |');
console.log('|---|---|---:|---:|');
for (const [[x, y, z], size, what] of CASES) {
  const zyx = T.rand([1, z, y, x]);
  const xFastest = zyx.permute([0, 3, 2, 1]);
  const contiguous = xFastest.contiguous();
  const cell = (mode: 'trilinear' | 'nearest-exact'): string =>
    [contiguous, xFastest]
      .map((volume) =>
        medianMs(() => T.tidy(() => void T.interpolate(volume.unsqueeze(0), { size, mode, ...(mode === 'trilinear' ? { alignCorners: false } : {}) }).sum().item())).toFixed(0),
      )
      .join(' / ');
  console.log(`| ${x}×${y}×${z} → ${size.join('×')} | ${what} | ${cell('trilinear')} | ${cell('nearest-exact')} |`);
  T.dispose([zyx, contiguous]);
}
