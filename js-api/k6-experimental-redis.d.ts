// `k6/experimental/redis`: xk6-redis v0.3.3's Client, as k6 v1.1.0 bundles it. Every command
// returns a Promise; rejections are Go error values (`String(e)` is the message, e.g.
// `redis: nil` for a missing key). Commands cannot run in the init context.
declare module 'k6/experimental/redis' {
  export interface SocketOptions {
    host: string;
    port: number;
    /** PEM text; `ca` replaces the system's roots. `insecureSkipTLSVerify` applies. */
    tls?: { ca?: string[]; cert?: string; key?: string };
    /** Milliseconds. */
    dialTimeout?: number;
    /** Milliseconds (-1: none). */
    readTimeout?: number;
    writeTimeout?: number;
    poolSize?: number;
    minIdleConns?: number;
    maxConnAge?: number;
    poolTimeout?: number;
    idleTimeout?: number;
    idleCheckFrequency?: number;
  }

  export interface NodeOptions {
    socket: SocketOptions;
    username?: string;
    password?: string;
    clientName?: string;
    database?: number;
    /** 0: 3 retries; -1: none. */
    maxRetries?: number;
    minRetryBackoff?: number;
    maxRetryBackoff?: number;
  }

  export interface SentinelOptions extends NodeOptions {
    masterName: string;
    sentinelUsername?: string;
    sentinelPassword?: string;
  }

  export interface ClusterOptions {
    cluster: {
      /** `redis://` URLs or node options. */
      nodes: string[] | NodeOptions[];
      maxRedirects?: number;
      readOnly?: boolean;
      routeByLatency?: boolean;
      routeRandomly?: boolean;
    };
  }

  type Value = string | number | boolean;

  export class Client {
    /** `redis[s]://[[user][:password]@][host][:port][/db]`, or an options object. */
    constructor(options: string | NodeOptions | SentinelOptions | ClusterOptions);
    /** Whether a command has run (the connection is made on the first one). */
    isConnected(): boolean;
    set(key: string, value: Value, expiration?: number): Promise<'OK'>;
    get(key: string): Promise<string>;
    getSet(key: string, value: Value): Promise<string>;
    del(...keys: string[]): Promise<number>;
    getDel(key: string): Promise<string>;
    exists(...keys: string[]): Promise<number>;
    incr(key: string): Promise<number>;
    incrBy(key: string, increment: number): Promise<number>;
    decr(key: string): Promise<number>;
    decrBy(key: string, decrement: number): Promise<number>;
    randomKey(): Promise<string>;
    mget(...keys: string[]): Promise<(string | null)[]>;
    expire(key: string, seconds: number): Promise<boolean>;
    /** Seconds; -1e-9 without expiry and -2e-9 without the key (go-redis's values). */
    ttl(key: string): Promise<number>;
    persist(key: string): Promise<boolean>;
    lpush(key: string, ...values: Value[]): Promise<number>;
    rpush(key: string, ...values: Value[]): Promise<number>;
    lpop(key: string): Promise<string>;
    rpop(key: string): Promise<string>;
    lrange(key: string, start: number, stop: number): Promise<string[]>;
    lindex(key: string, index: number): Promise<string>;
    lset(key: string, index: number, element: string): Promise<'OK'>;
    lrem(key: string, count: number, value: string): Promise<number>;
    llen(key: string): Promise<number>;
    hset(key: string, field: string, value: Value): Promise<number>;
    hsetnx(key: string, field: string, value: string): Promise<boolean>;
    hget(key: string, field: string): Promise<string>;
    hdel(key: string, ...fields: string[]): Promise<number>;
    hgetall(key: string): Promise<Record<string, string>>;
    hkeys(key: string): Promise<string[]>;
    hvals(key: string): Promise<string[]>;
    hlen(key: string): Promise<number>;
    hincrby(key: string, field: string, increment: number): Promise<number>;
    sadd(key: string, ...members: Value[]): Promise<number>;
    srem(key: string, ...members: Value[]): Promise<number>;
    sismember(key: string, member: Value): Promise<boolean>;
    smembers(key: string): Promise<string[]>;
    srandmember(key: string): Promise<string>;
    spop(key: string): Promise<string>;
    /** Any command; the reply as go-redis's `Do` reads it (RESP2). */
    sendCommand(command: string, ...args: Value[]): Promise<any>;
  }
}
