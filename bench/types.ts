/** A benchmark module: bench/run.ts runs each and prints its figures. */
export interface Bench {
  name: string;
  /** What the figures mean, one line. */
  about: string;
  run(): Promise<Record<string, number | string>>;
}
