{
  "targets": [{
    "target_name": "smit_native",
    "sources": [
      "native/src/addon.cpp",
      "native/src/registry.cpp",
      "native/src/args.cpp",
      "native/src/core.cpp",
      "native/src/autocast.cpp",
      "native/src/cpu_cache.cpp",
      "native/src/permute_rows.cpp",
      "native/generated/ops.cpp"
    ],
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "<!@(node scripts/libtorch.mjs include)",
      "native/src"
    ],
    "defines": [
      "NAPI_VERSION=8",
      "NODE_ADDON_API_CPP_EXCEPTIONS",
      "<!@(node scripts/libtorch.mjs defines)"
    ],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-deprecated-declarations", "-Wno-unused-parameter"],
    "libraries": ["<!@(node scripts/libtorch.mjs libs)"]
  }]
}
