/** A peer server's CPU from /proc (the process helpers themselves are demo/peers/processes.ts, shared with the tests). */
import { execFileSync } from 'node:child_process';
import { procInfo } from '../../demo/peers/processes';
import type { CpuMeter } from '../harness';
import type { CpuSample } from '../servers/control';

export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** A peer's CPU from /proc: utime + stime of the process (all its threads). */
export function procMeter(pid: number): CpuMeter {
  const ticksPerSecond = clockTicksPerSecond();
  const cpuUs = (): number => ((procInfo(pid)?.ticks ?? Number.NaN) * 1e6) / ticksPerSecond;
  let cpuStart = cpuUs();
  let wallStart = process.hrtime.bigint();
  return {
    start: () => {
      cpuStart = cpuUs();
      wallStart = process.hrtime.bigint();
      return Promise.resolve();
    },
    stop: (): Promise<CpuSample> =>
      Promise.resolve({ cpuUs: cpuUs() - cpuStart, wallUs: Number(process.hrtime.bigint() - wallStart) / 1000 }),
  };
}
