// A report whose volumes are too large to embed (limit 0 here): the page
// loads them by relative URL from report_assets/ and the run folder, which
// `smit serve`'s server hands out on 127.0.0.1, and nothing outside it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningServer, serveFolder } from '../../src/report/static_server.js';
import { writeReport } from '../../src/report/write_report.js';
import { makeTempDir } from '../helpers/temp_dir.js';
import { type SegmentationRun, writeSegmentationRun } from './helpers/segmentation_run.js';

/** GET of a raw path (not normalised by a URL parser). */
function get(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('smit serve: volumes too large to embed', () => {
  let run: SegmentationRun;
  let server: RunningServer;
  let html: string;
  const root = makeTempDir('smit-serve-');
  before(async () => {
    run = await writeSegmentationRun(root, [32, 32, 20]);
    const report = await writeReport(run.dir, { embedLimitBytes: 0 });
    assert.equal(report.servedViewers, 1);
    html = readFileSync(report.path, 'utf8');
    server = await serveFolder(run.dir, 0);
  });
  after(() => server?.close());

  test('the page names the volumes by relative URL; the scan and reference are copied beside it', () => {
    const config = JSON.parse(/<script type="application\/json" class="viewer-config">(.*?)<\/script>/.exec(html)![1]) as { volumes: { role: string; url?: string; base64?: string }[]; serveDir: string };
    assert.deepEqual(
      config.volumes.map((v) => [v.role, v.url, v.base64]),
      [
        ['scan', 'report_assets/case_01_scan.nii.gz', undefined],
        ['prediction', 'case_01_seg.nii.gz', undefined],
        ['reference', 'report_assets/case_01_reference.nii.gz', undefined],
      ],
    );
    assert.equal(statSync(join(run.dir, 'report_assets', 'case_01_scan.nii.gz')).size, statSync(run.scan).size);
    assert.ok(existsSync(join(run.dir, 'report_assets', 'niivue.umd.js')));
    assert.match(html, /<script src="report_assets\/niivue\.umd\.js"><\/script>/);
  });

  test('serves the folder on 127.0.0.1: the report, its volumes as they are, and nothing outside', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const root = await get(server.port, '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, 'report.html');
    const page = await get(server.port, '/report.html');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.body.toString('utf8'), html);
    const scan = await get(server.port, '/report_assets/case_01_scan.nii.gz');
    assert.equal(scan.status, 200);
    assert.equal(scan.headers['content-encoding'], undefined, 'NiiVue inflates .nii.gz itself');
    assert.deepEqual(scan.body, readFileSync(run.scan));
    const head = await get(server.port, '/case_01_seg.nii.gz', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), statSync(join(run.dir, 'case_01_seg.nii.gz')).size);
    assert.equal((await get(server.port, '/..%2f..%2fetc%2fpasswd')).status, 403);
    assert.equal((await get(server.port, '/missing.png')).status, 404);
    assert.equal((await get(server.port, '/report.html', 'POST')).status, 405);
  });

  test('a port in use is named', async () => {
    await assert.rejects(serveFolder(run.dir, server.port), new RegExp(`--port ${server.port}: is in use`));
  });
});
