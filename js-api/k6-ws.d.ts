// `k6/ws`: k6's blocking WebSocket client (k6 v1.1.0). Matches @types/k6, plus the Response's
// and the error value's members as rk6 (and k6) hand them out.

/**
 * Opens a WebSocket and runs `callback` with it; returns when the socket has closed, after
 * running the socket's handlers and timers. Fails with an exception in the init context.
 *
 * @example
 * ```javascript
 * import ws from 'k6/ws';
 *
 * export default function () {
 *   ws.connect('ws://127.0.0.1:8080/ws/echo', null, (socket) => {
 *     socket.on('open', () => socket.send('hello'));
 *     socket.on('message', (m) => socket.close());
 *   });
 * }
 * ```
 */
declare module 'k6/ws' {
  import { CookieJar } from 'k6/http';

  export function connect(url: string, callback: Executor): Response;
  export function connect(url: string, params: Params | null, callback: Executor): Response;

  export interface Params {
    /** Request headers of the handshake (Go's canonical names on the wire). */
    headers?: { [name: string]: string };
    /** `"deflate"` is accepted; rk6 connects without compression (see docs/websockets.md). */
    compression?: string;
    /** Tags of the session's samples. */
    tags?: { [name: string]: string | number | boolean };
    /** The cookie jar of the handshake (default: the VU's). */
    jar?: CookieJar;
  }

  export type Executor = (socket: Socket) => void;

  /** The handshake's outcome. `url` is set once the socket opened; `error` when it could not. */
  export interface Response {
    url: string;
    status: number;
    headers: { [name: string]: string };
    body: string;
    error: string;
  }

  export type EventType = 'close' | 'error' | 'message' | 'open' | 'ping' | 'pong' | 'binaryMessage';

  export type EventHandler<ET extends EventType> = ET extends 'close'
    ? (code: number) => void
    : ET extends 'error'
      ? (error: WebSocketError) => void
      : ET extends 'message'
        ? (message: string) => void
        : ET extends 'binaryMessage'
          ? (message: ArrayBuffer) => void
          : () => void;

  export type TimerHandler = () => void;

  /** The socket given to connect's callback (not a constructor scripts can call). */
  export interface Socket {
    /** Sends a close frame (`code`, default 1001) and ends the session. */
    close(code?: number): void;
    on<ET extends EventType>(event: ET, handler: EventHandler<ET>): void;
    ping(): void;
    send(data: string): void;
    sendBinary(data: ArrayBuffer): void;
    /** Runs `handler` every `interval` ms while the socket is open (`interval` > 0). */
    setInterval(handler: TimerHandler, interval: number): void;
    /** Runs `handler` once after `delay` ms if the socket is still open (`delay` > 0). */
    setTimeout(handler: TimerHandler, delay: number): void;
  }

  /** What `error` handlers get: Go's error value. */
  export interface WebSocketError {
    /** The error's text, e.g. `websocket: close 4001: bye`. */
    error(): string;
    toString(): string;
  }
}
