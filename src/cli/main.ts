#!/usr/bin/env node
import { demoCommand } from './commands/demo.js';
import { exportEncoderCommand } from './commands/export_encoder.js';
import { pretrainCommand } from './commands/pretrain.js';
import { UsageError } from './options.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; about: string }> = {
  demo: { run: demoCommand, about: 'generate phantom CTs and pre-train the tiny network on them (no download)' },
  pretrain: { run: pretrainCommand, about: 'self-supervised pre-training (MIP + MPD + ITD, EMA teacher)' },
  'export-encoder': { run: exportEncoderCommand, about: 'write the pre-trained backbone for fine-tuning' },
};

function help(): string {
  const lines = ['usage: smit <command> [options]   (smit <command> --help for its options)', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(16)} ${c.about}`);
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command '${name}'`, help());
  await command.run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error & { help?: string };
  process.stderr.write(`smit: ${e.message}\n`);
  if (e instanceof UsageError && e.help) process.stderr.write(`\n${e.help}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
