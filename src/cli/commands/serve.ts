import { defineCommand } from '../../util/options.js';
import { checkRunDir } from './report.js';

/** Serves a run folder on 127.0.0.1 so its report's viewers can load large volumes; Ctrl-C stops. */
export const serveCommand = defineCommand({
  about: 'serve a run folder (or RUN_DIR given first) on http://127.0.0.1 for its report.html; Ctrl-C stops',
  options: {
    runDir: { type: 'string', required: true, help: 'the folder to serve (holding report.html from smit report)' },
    port: { type: 'integer', min: 0, max: 65535, default: 8000, help: 'TCP port on 127.0.0.1 (0: any free one)' },
  },
  async run(o) {
    checkRunDir(o.runDir);
    const { serveFolder } = await import('../../report/static_server.js');
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const running = await serveFolder(o.runDir, o.port);
    const page = existsSync(join(o.runDir, 'report.html')) ? 'report.html' : '';
    process.stdout.write(`serving ${o.runDir} at ${running.url}${page} (127.0.0.1 only; Ctrl-C stops)\n`);
    if (!page) process.stdout.write(`no report.html yet: run \`smit report ${o.runDir}\` first\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
});
