/** The k-th smallest element (0-based), partially reordering `a` in place (Hoare quickselect). */
function selectKth(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >> 1;
    // Median of three as pivot keeps sorted and constant runs linear.
    if (a[mid] < a[left]) swap(a, mid, left);
    if (a[right] < a[left]) swap(a, right, left);
    if (a[right] < a[mid]) swap(a, right, mid);
    const pivot = a[mid];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Percentiles (0..100) with numpy's default linear interpolation, in linear
 * time. With `nonzero`, only non-zero values count (the body of an MRI, not the
 * air around it). Returns NaN for each percentile when no value counts.
 */
export function percentiles(values: ArrayLike<number>, qs: readonly number[], options: { nonzero?: boolean } = {}): number[] {
  let sample: Float64Array;
  if (options.nonzero) {
    let count = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
    sample = new Float64Array(count);
    for (let i = 0, o = 0; i < values.length; i++) if (values[i] !== 0) sample[o++] = values[i];
  } else {
    sample = Float64Array.from(values);
  }
  const n = sample.length;
  return qs.map((q) => {
    if (!(q >= 0 && q <= 100)) throw new Error(`percentile ${q} is outside 0..100`);
    if (n === 0) return NaN;
    const position = (q / 100) * (n - 1);
    const lower = Math.floor(position);
    const lowValue = selectKth(sample, lower);
    if (position === lower) return lowValue;
    // After selecting `lower`, everything right of it is ≥ it: the next order statistic is their minimum.
    let next = Infinity;
    for (let i = lower + 1; i < n; i++) if (sample[i] < next) next = sample[i];
    return lowValue + (next - lowValue) * (position - lower);
  });
}
