/** One figure of the bench table (and of bench/results.json). */
export interface Row {
  /** The row id: limit-use, overhead, cold-start, … */
  id: string;
  figure: string;
  value: string;
  /** What the figure must meet; '' for a figure reported beside others (a baseline, a phase). */
  target: string;
  /** true / false against the target; null when there is no target or the figure is not available. */
  pass: boolean | null;
}

export interface BenchOptions {
  /** Each benchmark small: figures printed, targets not asserted (CI keeps the harness from rotting). */
  smoke: boolean;
}

/** A benchmark module: bench/run.ts runs each and prints its rows. */
export interface Bench {
  id: string;
  /** What the rows mean, one line. */
  about: string;
  run(options: BenchOptions): Promise<Row[]>;
}

export const row = (id: string, figure: string, value: string | number, target = '', pass: boolean | null = null): Row => ({ id, figure, value: String(value), target, pass });
