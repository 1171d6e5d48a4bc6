// `k6/net/grpc`: gRPC clients and streams, as k6 v1.1.0 has them. Messages are plain objects
// in protobuf's JSON mapping (lowerCamelCase field names, 64-bit integers as strings, enums by
// name, bytes as base64). See docs/grpc.md.
declare module 'k6/net/grpc' {
  /** Request metadata: strings, or `Uint8Array`s for keys ending in `-bin`. */
  export interface Metadata {
    [key: string]: string | Uint8Array;
  }

  export interface ConnectParams {
    /** No TLS (h2c). @default false */
    plaintext?: boolean;
    /** Loads the server's services by server reflection. @default false */
    reflect?: boolean;
    /** Metadata sent with the reflection requests. */
    reflectMetadata?: Metadata;
    /** ms, or a duration string (`"10s"`). @default "60s" */
    timeout?: string | number;
    /** Largest message accepted, in bytes (0: 4 MiB). */
    maxReceiveSize?: number;
    /** Largest message sent, in bytes (0: no limit). */
    maxSendSize?: number;
    tls?: TLSParams;
  }

  /** PEM strings. Encrypted keys (`password`) are refused by rk6: decrypt them first. */
  export interface TLSParams {
    cert?: string;
    key?: string;
    password?: string;
    /** CA certificates trusted besides the system's. */
    cacerts?: string | string[];
  }

  export interface Params {
    metadata?: Metadata;
    tags?: { [name: string]: string };
    /** ms, or a duration string; invoke's default is 2 minutes, a stream's none. */
    timeout?: string | number;
    /** The response is not decoded (`message` is `null`; stream messages are `{}`). */
    discardResponseMessage?: boolean;
  }

  /** What `load()` and `loadProtoset()` return for each method found. */
  export interface MethodInfo {
    package: string;
    service: string;
    /** `/package.Service/Method`. */
    full_method: string;
    name: string;
    is_client_stream: boolean;
    is_server_stream: boolean;
  }

  /** A failed call's status, as protojson renders it. */
  export interface StatusError {
    code: number;
    message: string;
    details: unknown[];
  }

  export interface Response {
    /** The response message; on failure the empty message; `null` with `discardResponseMessage`. */
    message: any;
    /** `null` when `status` is `StatusOK`. */
    error: StatusError | null;
    headers: { [key: string]: string[] };
    trailers: { [key: string]: string[] };
    status: number;
  }

  export class Client {
    protected __brand: 'Client';
    constructor();
    /** Parses `.proto` files (init context only); `importPaths` are relative to the script. */
    load(importPaths: string[] | null, ...protoFiles: string[]): MethodInfo[];
    /** Reads a binary FileDescriptorSet (init context only). */
    loadProtoset(protosetPath: string): MethodInfo[];
    /** Connects to `host:port` (not in the init context). */
    connect(address: string, params?: ConnectParams | null): boolean;
    /** A unary call; `method` is `package.Service/Method`. */
    invoke(method: string, request: object, params?: Params | null): Response;
    asyncInvoke(method: string, request: object, params?: Params | null): Promise<Response>;
    close(): void;
  }

  /** The second argument of every stream listener. */
  export interface EventMetadata {
    /** Unix seconds. */
    ts: number;
  }

  /** What `error` listeners get: the status, and `error()` giving it as text. */
  export interface StreamError extends StatusError {
    /** `code: N, message: M`, as is the error's string. */
    error(): string;
    toString(): string;
  }

  /** What each stream event's listener gets first. */
  export interface StreamEvents {
    /** A message (stream messages leave out fields at their default value). */
    data: any;
    error: StreamError;
    /** An empty object. */
    end: object;
    status: object;
  }

  export class Stream {
    protected __brand: 'Stream';
    constructor(client: Client, method: string, params?: Params | null);
    /** `status` is accepted and never fired, as in k6 v1.1.0. */
    on<E extends keyof StreamEvents>(
      event: E,
      listener: (value: StreamEvents[E], metadata: EventMetadata) => void,
    ): void;
    /** Sends a message (ignored after `end()`). */
    write(message: object): void;
    /** Closes the client's side of the stream. */
    end(): void;
  }

  /**
   * A status code. As in k6 (where codes are Go values), a `Number` object: `===` to the
   * constant of the same code, `== 5` and `+ 1` read it as its number, `String(code)` is its
   * name (`"NotFound"`); `code === 5` is false.
   */
  export type StatusCode = number;

  export const StatusOK: StatusCode;
  export const StatusCanceled: StatusCode;
  export const StatusUnknown: StatusCode;
  export const StatusInvalidArgument: StatusCode;
  export const StatusDeadlineExceeded: StatusCode;
  export const StatusNotFound: StatusCode;
  export const StatusAlreadyExists: StatusCode;
  export const StatusPermissionDenied: StatusCode;
  export const StatusResourceExhausted: StatusCode;
  export const StatusFailedPrecondition: StatusCode;
  export const StatusAborted: StatusCode;
  export const StatusOutOfRange: StatusCode;
  export const StatusUnimplemented: StatusCode;
  export const StatusInternal: StatusCode;
  export const StatusUnavailable: StatusCode;
  export const StatusDataLoss: StatusCode;
  export const StatusUnauthenticated: StatusCode;
}
