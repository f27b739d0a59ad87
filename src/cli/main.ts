#!/usr/bin/env node
// The `smit` command. Sub-commands parse and check all their options before
// they import the tensor engine, so mistakes are reported at once.
import { cvCommand } from './commands/cv.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate.js';
import { exportEncoderCommand } from './commands/export_encoder.js';
import { finetuneCommand } from './commands/finetune.js';
import { pretrainCommand } from './commands/pretrain.js';
import { reportCommand, withRunDirFlag } from './commands/report.js';
import { segmentCommand } from './commands/segment.js';
import { serveCommand } from './commands/serve.js';
import { type OptionTable, type SmitCommand, UsageError, parseCommand } from '../util/options.js';

const COMMANDS: Record<string, SmitCommand<OptionTable>> = {
  demo: demoCommand,
  pretrain: pretrainCommand,
  'export-encoder': exportEncoderCommand,
  finetune: finetuneCommand,
  segment: segmentCommand,
  evaluate: evaluateCommand,
  cv: cvCommand,
  report: reportCommand,
  serve: serveCommand,
};

function help(): string {
  const lines = ['usage: smit <command> [options]   (smit <command> --help for its options)', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(16)} ${c.about}`);
  return `${lines.join('\n')}\n`;
}

async function main(name: string | undefined, argv: string[]): Promise<void> {
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command '${name}'`, help());
  const parsed = parseCommand(name, command.options, name === 'report' || name === 'serve' ? withRunDirFlag(argv) : argv);
  if (parsed.help !== undefined) {
    process.stdout.write(`${command.about}\n\n${parsed.help}`);
    return;
  }
  await command.run(parsed.values);
}

const [name, ...rest] = process.argv.slice(2);
main(name, rest).catch((error: unknown) => {
  const e = error as Error;
  const known = name !== undefined && name in COMMANDS;
  process.stderr.write(`smit${known ? ` ${name}` : ''}: ${e.message}\n`);
  if (e instanceof UsageError) {
    process.stderr.write(e.usage ? `\n${e.usage}` : known ? `(smit ${name} --help lists the options)\n` : '');
  }
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
