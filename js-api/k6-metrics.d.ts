// `k6/metrics`: custom metrics. Matches @types/k6.
declare module 'k6/metrics' {
  /**
   * What the four metric classes share. A type only: `k6/metrics` exports no `Metric` value
   * (in k6 neither; @types/k6 declares an abstract class).
   */
  export interface Metric {
    readonly name: string;
    /** Adds a sample with the VU's tags plus `tags`. */
    add(value: number | boolean, tags?: { [name: string]: string }): void;
  }
  // Each class merges with the interface of the same name, which brings in Metric's members.
  // Metrics are declared in the init context only; `name` follows k6's rules
  // (`[a-zA-Z_][a-zA-Z0-9_]{0,127}`). `isTime`: values are durations in ms (Trend and Gauge).

  /** Cumulative sum (`count`, `rate` in the summary). */
  export interface Counter extends Metric {}
  export class Counter {
    protected __brand: 'Counter';
    constructor(name: string, isTime?: boolean);
  }
  /** Last value (`value`, `min`, `max`). */
  export interface Gauge extends Metric {}
  export class Gauge {
    protected __brand: 'Gauge';
    constructor(name: string, isTime?: boolean);
  }
  /** Share of non-zero values (`rate`, `passes`, `fails`). */
  export interface Rate extends Metric {}
  export class Rate {
    protected __brand: 'Rate';
    constructor(name: string, isTime?: boolean);
  }
  /** Distribution (`avg`, `min`, `med`, `max`, `p(90)`, `p(95)`...). */
  export interface Trend extends Metric {}
  export class Trend {
    protected __brand: 'Trend';
    constructor(name: string, isTime?: boolean);
  }
}
