/** Typed arrays use the host's byte order; files say theirs. */
export const hostIsLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Reverses the byte order of each `width`-byte element, in place. */
export function swapByteOrder(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let start = 0; start + width <= bytes.length; start += width) {
    for (let a = start, b = start + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
