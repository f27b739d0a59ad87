// Prints the compiler/linker settings for the libtorch the addon builds against.
// LIBTORCH=/path/to/libtorch (a downloaded libtorch, CPU or CUDA, or a Python torch
// package folder) overrides Debian's system libtorch. LIBTORCH_CXX11_ABI=0 selects
// the pre-C++11 ABI of some downloaded builds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.LIBTORCH;
const what = process.argv[2];

function systemLibDir() {
  for (const d of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    if (existsSync(join(d, 'libtorch_cpu.so'))) return d;
  }
  return '/usr/lib';
}

const libDir = root ? join(root, 'lib') : systemLibDir();
const includes = root
  ? [join(root, 'include'), join(root, 'include/torch/csrc/api/include')]
  : ['/usr/include', '/usr/include/torch/csrc/api/include'];
const cuda = existsSync(join(libDir, 'libtorch_cuda.so'));
const abi = process.env.LIBTORCH_CXX11_ABI ?? '1';

const out = {
  include: includes.join(' '),
  defines: `_GLIBCXX_USE_CXX11_ABI=${abi}${cuda ? ' SMIT_WITH_CUDA=1' : ''}`,
  // --no-as-needed keeps libtorch_cuda linked although no symbol of it is referenced:
  // its static initialisers register the CUDA kernels.
  libs: [
    `-L${libDir}`, `-Wl,-rpath,${libDir}`, '-Wl,--no-as-needed',
    ...(cuda ? ['-ltorch_cuda', '-lc10_cuda'] : []),
    '-ltorch', '-ltorch_cpu', '-lc10', '-Wl,--as-needed',
  ].join(' '),
};
if (!(what in out)) {
  console.error(`usage: node scripts/libtorch.mjs include|defines|libs`);
  process.exit(2);
}
console.log(out[what]);
