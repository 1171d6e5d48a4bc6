// `k6/experimental/csv`: CSV records from a `k6/experimental/fs` File. As k6 v1.1.0.
declare module 'k6/experimental/csv' {
  import type { File } from 'k6/experimental/fs';

  /** Options of `parse` and `Parser`. Lines count records from 0 (the first line). */
  export interface Options {
    /** One character. @default "," */
    delimiter?: string;
    /** Skips line 0. Not with `asObjects`. */
    skipFirstLine?: boolean;
    /** The first record read. Not above 0 with `asObjects`. */
    fromLine?: number;
    /** The last record read (inclusive; 0: no limit). Above `fromLine`. */
    toLine?: number;
    /** Line 0 is the header: records are objects keyed by its names. */
    asObjects?: boolean;
  }

  /**
   * Every record of the file (from its current offset), as a SharedArray: built once per run
   * and shared by every VU.
   */
  export function parse(file: File, options?: Options): Promise<string[][] | Record<string, string>[]>;

  /** Reads one record per `next()` (create it in the init context). */
  export class Parser {
    constructor(file: File, options?: Options);
    /** The next record; `{ done: true, value: [] }` after the last one. */
    next(): Promise<ParseResult>;
  }

  export interface ParseResult {
    done: boolean;
    value: string[] | Record<string, string>;
  }
}
