// Process-wide engine state: RNG, threads, devices, leak counters.
import { native } from './native.js';
import { Tensor, adopt } from './tensor.js';

export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** The CPU generator's state (a uint8 tensor), for checkpoints. */
export function getRngState(): Tensor {
  return adopt(native.getRngState());
}

export function setRngState(state: Tensor): void {
  native.setRngState(state.h);
}

export function setNumThreads(threads: number): void {
  native.setNumThreads(threads);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Number of native tensors alive (for leak tests). */
export function liveTensors(): number {
  return native.liveTensors();
}

/** Native bytes currently reported to V8's garbage collector. */
export function reportedBytes(): number {
  return native.reportedBytes();
}

export interface CpuCacheStats {
  /** False when SMIT_CPU_CACHE=off left libtorch's default allocator in place. */
  enabled: boolean;
  /** Bytes of large blocks mapped now: live tensors plus cached blocks. */
  mappedBytes: number;
  cachedBytes: number;
  /** The most bytes ever held by live tensors at once; mapped bytes never exceed it. */
  peakLiveBytes: number;
  hits: number;
  misses: number;
}

/**
 * The caching allocator for large (≥ 1 MiB) CPU tensors (native/src/cpu_cache.cpp):
 * freed blocks are reused for the same size instead of being returned to the
 * kernel and faulted in again.
 */
export const cpuCache = {
  stats: (): CpuCacheStats => native.cpuCacheStats(),
  /** Returns every cached block to the operating system. */
  empty: (): void => native.emptyCpuCache(),
};

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (): void => native.cudaSynchronize(),
};

export function buildInfo(): { torchVersion: string; parallel: string; config: string } {
  return native.buildInfo();
}
