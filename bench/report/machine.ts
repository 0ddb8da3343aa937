/** The machine the run was on. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fdLimit } from '../ipc';
import type { Machine } from '../results';

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model) return model;
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpuModel(),
    node: process.version,
    platform: `${process.platform} ${release()}`,
    memoryGiB: totalmem() / 1024 ** 3,
    fdLimit: fdLimit(true),
  };
}
