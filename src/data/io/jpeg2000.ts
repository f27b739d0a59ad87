import { createRequire } from 'node:module';

/** Samples of one decoded JPEG 2000 frame, one component, row-major. */
export interface Jpeg2000Frame {
  width: number;
  height: number;
  samples: Uint8Array | Int8Array | Uint16Array | Int16Array;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}

type OpenJpegFactory = (options: { print: () => void; printErr: () => void }) => Promise<OpenJpegModule>;

let openJpeg: Promise<OpenJpegModule> | undefined;

/** OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg), loaded once, with its progress logging silenced. */
function loadOpenJpeg(): Promise<OpenJpegModule> {
  if (!openJpeg) {
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as OpenJpegFactory;
    openJpeg = factory({ print: () => {}, printErr: () => {} });
  }
  return openJpeg;
}

/** Decodes a single-component JPEG 2000 codestream (DICOM transfer syntaxes 1.2.840.10008.1.2.4.90/.91). */
export async function decodeJpeg2000(encoded: Uint8Array): Promise<Jpeg2000Frame> {
  const { J2KDecoder } = await loadOpenJpeg();
  const decoder = new J2KDecoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.componentCount !== 1) throw new Error(`JPEG 2000 frame has ${info.componentCount} components, expected 1`);
    // The decoded buffer lives in WebAssembly memory: copy it out before the decoder is freed.
    const decoded = decoder.getDecodedBuffer().slice();
    const wide = info.bitsPerSample > 8;
    const samples = wide
      ? info.isSigned ? new Int16Array(decoded.buffer) : new Uint16Array(decoded.buffer)
      : info.isSigned ? new Int8Array(decoded.buffer) : decoded;
    return { width: info.width, height: info.height, samples };
  } finally {
    decoder.delete();
  }
}
