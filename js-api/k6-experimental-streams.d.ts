// `k6/experimental/streams`: the WHATWG ReadableStream as k6 v1.1.0 exposes it (default
// controller and reader; no byte streams, BYOB readers or tee()). The objects these
// constructors return are plain objects in k6: `instanceof` is false for them.
declare module 'k6/experimental/streams' {
  export interface ReadableStreamDefaultController {
    /** The strategy's high-water mark minus the queued size; `null` once errored. */
    readonly desiredSize: number | null;
    close(): void;
    enqueue(chunk: any): void;
    error(reason?: any): void;
  }

  export interface UnderlyingSource {
    start?(controller: ReadableStreamDefaultController): any;
    pull?(controller: ReadableStreamDefaultController): void | Promise<void>;
    cancel?(reason?: any): void | Promise<void>;
  }

  export interface QueuingStrategy {
    highWaterMark?: number;
    size?(chunk: any): number;
  }

  export interface ReadResult {
    value: any;
    done: boolean;
  }

  export class ReadableStream {
    constructor(underlyingSource?: UnderlyingSource, strategy?: QueuingStrategy);
    readonly locked: boolean;
    /** Always `null` (k6 exposes the field unset). */
    source: null;
    cancel(reason?: any): Promise<void>;
    getReader(options?: { mode?: undefined }): ReadableStreamDefaultReader;
    /** Not supported (throws, as in k6). */
    tee(): never;
  }

  export class ReadableStreamDefaultReader {
    constructor(stream: ReadableStream);
    readonly closed: Promise<void>;
    cancel(reason?: any): Promise<void>;
    read(): Promise<ReadResult>;
    releaseLock(): void;
  }

  /** Counts chunks: `size()` is always 1. */
  export class CountQueuingStrategy {
    constructor(init: { highWaterMark: number });
    readonly highWaterMark: number;
    size(chunk?: any): number;
  }
}
