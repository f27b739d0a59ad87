// The report page around the sections: style, table of contents, and the
// script that starts one NiiVue viewer per segmentation. The script is a
// classic one (see viewer_volumes.ts: module scripts do not load from disk).
import { escapeHtml } from './html.js';
import type { PageVolume } from './viewer_volumes.js';

/** What the page's script needs for one viewer; written into the page as JSON. */
export interface ViewerConfig {
  /** Class names by id (0 = background). */
  classNames: string[];
  /** [r, g, b] by class id, as the PNG overlays colour them. */
  colors: (readonly [number, number, number])[];
  volumes: PageVolume[];
  /** Display range of the scan (HU) when the model's recipe has a CT window. */
  window?: [number, number];
  /** Initial opacity of the label layers. */
  opacity: number;
  megabytes: number;
  /** The folder to pass to `smit serve` when the volumes are not embedded. */
  serveDir: string;
}

export const LABEL_OPACITY = 0.6;

/** JSON inside <script>: '<' is escaped so no text can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function viewerHtml(config: ViewerConfig, legendHtml: string): string {
  const hasReference = config.volumes.some((v) => v.role === 'reference');
  const views = [
    ['multiplanar', 'all views'],
    ['axial', 'axial'],
    ['coronal', 'coronal'],
    ['sagittal', 'sagittal'],
    ['render', '3-D'],
  ]
    .map(([view, label], i) => `<button type="button" data-view="${view}"${i === 0 ? ' class="active"' : ''}>${label}</button>`)
    .join('');
  return `<div class="viewer" data-state="pending">
<div class="viewer-controls"><span class="views">${views}</span>
<label><input type="checkbox" data-layer="prediction" checked> predicted labels</label>
${hasReference ? '<label><input type="checkbox" data-layer="reference"> reference labels</label>' : ''}
<label>opacity <input type="range" data-opacity min="0" max="1" step="0.05" value="${config.opacity}"></label></div>
<div class="viewer-body"><div class="canvas-box"><canvas></canvas></div>${legendHtml}</div>
<p class="viewer-location"></p><p class="viewer-status" role="status">loading the viewer…</p>
<script type="application/json" class="viewer-config">${scriptJson(config)}</script>
</div>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d232b; --muted: #5f6b7a; --line: #d9dee5; --panel: #f6f8fa; --accent: #0b66c3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-top: 12px; border-top: 2px solid var(--ink); }
h2 .folder { font-weight: normal; color: var(--muted); font-size: 15px; margin-left: 8px; }
h3 { font-size: 16px; margin: 18px 0 8px; }
nav ul { list-style: none; padding: 0; margin: 8px 0 14px; display: flex; flex-wrap: wrap; gap: 6px 16px; }
a { color: var(--accent); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.meta, .note, .files, .missing { color: var(--muted); }
.warnings { color: #8a4b00; background: #fff6e5; padding: 8px 12px; border-radius: 4px; }
dl.numbers { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
dl.numbers div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 120px; max-width: 100%; }
dl.numbers dt { font-size: 12px; color: var(--muted); }
dl.numbers dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; }
th { background: var(--panel); font-weight: 600; }
.num { text-align: right; }
tr.mean td { border-top: 2px solid var(--ink); }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 8px 0; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { font-size: 13px; color: var(--muted); }
article.segmentation { margin: 16px 0 28px; }
.viewer { border: 1px solid var(--line); border-radius: 6px; padding: 10px; background: var(--panel); margin: 10px 0; }
.viewer-controls { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin-bottom: 8px; }
.viewer-controls button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
.viewer-controls button.active { background: var(--ink); color: #fff; border-color: var(--ink); }
.viewer-body { display: flex; gap: 14px; align-items: flex-start; }
.canvas-box { flex: 1 1 auto; height: 620px; min-width: 0; background: #000; }
.canvas-box canvas { width: 100%; height: 100%; display: block; }
.viewer[data-state="needs-server"] .canvas-box, .viewer[data-state="failed"] .canvas-box { display: none; }
ul.legend { list-style: none; margin: 0; padding: 0; min-width: 190px; }
ul.legend li { display: flex; align-items: center; gap: 8px; padding: 3px 0; }
ul.legend li.absent { color: var(--muted); }
ul.legend .swatch { width: 16px; height: 16px; border-radius: 3px; border: 1px solid rgba(0,0,0,.25); flex: none; }
ul.legend .amount { color: var(--muted); margin-left: auto; font-variant-numeric: tabular-nums; }
.viewer-status { margin: 6px 0 0; color: var(--muted); }
.viewer[data-state="ready"] .viewer-status { display: none; }
.viewer[data-state="needs-server"] .viewer-status, .viewer[data-state="failed"] .viewer-status { color: #8a1f11; font-weight: 600; }
.viewer-location { margin: 6px 0 0; font: 13px ui-monospace, monospace; min-height: 1.4em; }
`;

// Runs in the browser. window.smitReport resolves once every viewer is ready, failed or waiting for `smit serve`.
const VIEWER_SCRIPT = `
(function () {
  'use strict';
  function setState(el, state, message) {
    el.dataset.state = state;
    el.querySelector('.viewer-status').textContent = message;
  }
  async function start(el) {
    var config = JSON.parse(el.querySelector('script.viewer-config').textContent);
    var embedded = config.volumes.every(function (v) { return v.base64 !== undefined; });
    if (!embedded && location.protocol === 'file:') {
      setState(el, 'needs-server', 'These volumes (' + config.megabytes + ' MB) are over the limit for embedding in the page (smit report --embed-limit-mb), and a page opened from disk may not read files. Run: smit serve ' + config.serveDir + ' and open the address it prints.');
      return;
    }
    if (!window.niivue) throw new Error('report_assets/niivue.umd.js did not load');
    var N = window.niivue;
    var nv = new N.Niivue({ backColor: [0, 0, 0, 1], isColorbar: false, dragAndDropEnabled: false, show3Dcrosshair: true,
      multiplanarShowRender: N.SHOW_RENDER.ALWAYS, crosshairColor: [1, 1, 1, 0.5], crosshairWidth: 1, crosshairWidthUnit: 'mm', loadingText: 'loading',
      // As the PNG overlays and CT reading: the patient's right on the screen's left.
      isRadiologicalConvention: true });
    await nv.attachToCanvas(el.querySelector('canvas'));
    var lut = {
      R: config.colors.map(function (c) { return c[0]; }),
      G: config.colors.map(function (c) { return c[1]; }),
      B: config.colors.map(function (c) { return c[2]; }),
      A: config.colors.map(function (_, id) { return id === 0 ? 0 : 255; }),
      I: config.colors.map(function (_, id) { return id; }),
      labels: config.classNames
    };
    var layers = {};
    for (var i = 0; i < config.volumes.length; i++) {
      var v = config.volumes[i];
      var options = { name: v.name, colormap: 'gray', opacity: 1 };
      if (v.role === 'scan' && config.window) { options.cal_min = config.window[0]; options.cal_max = config.window[1]; }
      var image = v.base64 !== undefined ? await N.NVImage.loadFromBase64(Object.assign({ base64: v.base64 }, options))
        : await N.NVImage.loadFromUrl(Object.assign({ url: v.url }, options));
      if (v.role !== 'scan') image.setColormapLabel(lut);
      nv.addVolume(image);
      layers[v.role] = image;
    }
    var opacityInput = el.querySelector('input[data-opacity]');
    var isBackground = function (image) { return nv.volumes.indexOf(image) === 0; };
    function applyLayers() {
      ['prediction', 'reference'].forEach(function (role) {
        var image = layers[role];
        if (!image) return;
        var box = el.querySelector('input[data-layer="' + role + '"]');
        var shown = box ? box.checked : true;
        nv.setOpacity(nv.volumes.indexOf(image), isBackground(image) ? 1 : shown ? Number(opacityInput.value) : 0);
      });
    }
    el.querySelectorAll('input[data-layer], input[data-opacity]').forEach(function (input) { input.addEventListener('input', applyLayers); });
    var sliceTypes = { multiplanar: N.SLICE_TYPE.MULTIPLANAR, axial: N.SLICE_TYPE.AXIAL, coronal: N.SLICE_TYPE.CORONAL, sagittal: N.SLICE_TYPE.SAGITTAL, render: N.SLICE_TYPE.RENDER };
    el.querySelectorAll('button[data-view]').forEach(function (button) {
      button.addEventListener('click', function () {
        el.querySelectorAll('button[data-view]').forEach(function (b) { b.classList.toggle('active', b === button); });
        nv.setSliceType(sliceTypes[button.dataset.view]);
      });
    });
    var location_ = el.querySelector('.viewer-location');
    nv.onLocationChange = function (data) { location_.textContent = data && data.string ? data.string : ''; };
    nv.setSliceType(N.SLICE_TYPE.MULTIPLANAR);
    applyLayers();
    nv.updateGLVolume();
    nv.drawScene();
    await new Promise(function (done) { requestAnimationFrame(function () { requestAnimationFrame(done); }); });
    setState(el, 'ready', '');
  }
  var viewers = Array.prototype.slice.call(document.querySelectorAll('.viewer'));
  window.smitReport = Promise.all(viewers.map(function (el) {
    return start(el).catch(function (error) {
      console.error('smit report viewer:', error);
      setState(el, 'failed', 'The viewer could not start: ' + (error && error.message ? error.message : error) + ' (it needs WebGL2).');
    });
  }));
})();
`;

export interface PageParts {
  title: string;
  subtitle: string;
  toc: { id: string; label: string }[];
  warnings: string[];
  sections: string[];
  /** Relative URL of NiiVue's build; undefined when the page has no viewer. */
  niivueUrl?: string;
}

export function pageHtml(parts: PageParts): string {
  const toc = parts.toc.length > 1 ? `<nav><ul>${parts.toc.map((t) => `<li><a href="#${t.id}">${escapeHtml(t.label)}</a></li>`).join('')}</ul></nav>` : '';
  const warnings = parts.warnings.length ? `<div class="warnings">${parts.warnings.map((w) => `<p>${escapeHtml(w)}</p>`).join('')}</div>` : '';
  const scripts = parts.niivueUrl ? `<script src="${parts.niivueUrl}"></script>\n<script>${VIEWER_SCRIPT}</script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="smit report">
<title>${escapeHtml(parts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(parts.title)}</h1><p class="meta">${parts.subtitle}</p>${toc}</header>
<main>
${warnings}
${parts.sections.join('\n')}
</main>
${scripts}
</body>
</html>
`;
}
