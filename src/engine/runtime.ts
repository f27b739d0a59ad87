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
  /** The most bytes ever held by live tensors at once; mapped bytes exceed it by at most min(1/8 of it, 64 MiB). */
  peakLiveBytes: number;
  hits: number;
  misses: number;
}

/**
 * The caching allocator for large (≥ 64 KiB) CPU tensors (native/src/cpu_cache.cpp):
 * freed blocks become free page ranges that later requests of any size reuse,
 * instead of going back to the kernel and being faulted in again.
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
