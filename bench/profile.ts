/**
 * Arguments to run a server script under the benchmarks: with BENCH_CPU_PROF=DIR set, each server process
 * writes a V8 CPU profile (`.cpuprofile`, open it in Chrome DevTools) into DIR when it exits.
 */
export function serverArgs(script: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, script] : [script];
}
