// `k6/metrics`: custom metrics. Matches @types/k6.
declare module 'k6/metrics' {
  /** Declared in the init context only; `name` follows k6's rules (`[a-zA-Z_][a-zA-Z0-9_]{0,127}`). */
  export abstract class Metric {
    protected __brand: never;
    /** @param isTime Values are durations in ms (formats the summary; Trend and Gauge). */
    constructor(name: string, isTime?: boolean);
    readonly name: string;
    /** Adds a sample with the VU's tags plus `tags`. */
    add(value: number | boolean, tags?: { [name: string]: string }): void;
  }
  /** Cumulative sum (`count`, `rate` in the summary). */
  export class Counter extends Metric {
    protected __brand: never;
  }
  /** Last value (`value`, `min`, `max`). */
  export class Gauge extends Metric {
    protected __brand: never;
  }
  /** Share of non-zero values (`rate`, `passes`, `fails`). */
  export class Rate extends Metric {
    protected __brand: never;
  }
  /** Distribution (`avg`, `min`, `med`, `max`, `p(90)`, `p(95)`...). */
  export class Trend extends Metric {
    protected __brand: never;
  }
}
