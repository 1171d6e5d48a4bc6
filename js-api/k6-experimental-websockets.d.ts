// `k6/experimental/websockets` (also `k6/websockets`, k6 v2's name): the browser-style
// WebSocket API of k6 v1.1.0. Based on @types/k6, as k6 v1.1.0 and rk6 behave: no
// CONNECTING/OPEN/... constants, `extensions` and `protocol` present, events carry `target`
// and messages `origin`.

/**
 * @example
 * ```javascript
 * import { WebSocket } from 'k6/experimental/websockets';
 *
 * export default function () {
 *   const ws = new WebSocket('ws://127.0.0.1:8080/ws/echo');
 *   ws.onopen = () => ws.send('hello');
 *   ws.onmessage = (e) => ws.close();
 * }
 * ```
 */
declare module 'k6/experimental/websockets' {
  import { CookieJar } from 'k6/http';

  export type ReadyState = 0 | 1 | 2 | 3;
  export type BinaryType = 'blob' | 'arraybuffer';
  export type EventName = 'open' | 'close' | 'error' | 'message' | 'ping' | 'pong';

  export interface Params {
    headers?: Record<string, string>;
    /** `"deflate"` is accepted; rk6 connects without compression (see docs/websockets.md). */
    compression?: 'deflate';
    tags?: Record<string, number | string | boolean>;
    jar?: CookieJar;
  }

  export class WebSocket {
    protected __brand: never;
    /** Starts connecting; the socket keeps the iteration going until it closes. */
    constructor(url: string, protocols?: string | string[] | null, params?: Params | null);
    readonly url: string;
    /** 0 connecting, 1 open, 2 closing, 3 closed. */
    readonly readyState: ReadyState;
    readonly bufferedAmount: number;
    readonly extensions: string[];
    readonly protocol: string;
    binaryType: BinaryType;
    /** A typed array is sent with its whole buffer, as k6 does; a DataView is refused. */
    send(data: string | ArrayBuffer | Blob | ArrayBufferView): void;
    addEventListener(event: EventName, listener: (event: MessageEvent | ErrorEvent | Event) => void): void;
    close(code?: number, reason?: string): void;
    ping(): void;
    onmessage: ((event: MessageEvent) => void) | null;
    onopen: ((event: Event) => void) | null;
    onclose: ((event: Event) => void) | null;
    onerror: ((event: ErrorEvent) => void) | null;
    onping: ((event: Event) => void) | null;
    onpong: ((event: Event) => void) | null;
  }

  export type BlobPart = ArrayBuffer | ArrayBufferView | Blob | string;

  export interface BlobOptions {
    type?: string;
  }

  export class Blob {
    constructor(blobParts?: BlobPart[], options?: BlobOptions);
    readonly size: number;
    readonly type: string;
    arrayBuffer(): Promise<ArrayBuffer>;
    bytes(): Promise<Uint8Array>;
    slice(start?: number, end?: number, contentType?: string): Blob;
    /** Not supported by rk6 yet (throws). */
    stream(): never;
    text(): Promise<string>;
    toString(): string;
  }

  export interface Event {
    type: EventName;
    target: WebSocket;
    /** Milliseconds since the epoch. */
    timestamp: number;
  }

  export interface MessageEvent extends Event {
    data: string | ArrayBuffer | Blob;
    origin: string;
  }

  export interface ErrorEvent extends Event {
    error: string;
  }
}

declare module 'k6/websockets' {
  export * from 'k6/experimental/websockets';
}
