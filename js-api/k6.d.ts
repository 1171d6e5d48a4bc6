// `k6`: checks, groups, sleep, fail, randomSeed. Matches @types/k6.
declare module 'k6' {
  /** One check: gets the value passed to `check()`, passes when it returns a truthy value. */
  export interface Checker<VT> {
    (val: VT): any;
  }
  /** Named checks. */
  export interface Checkers<VT> {
    [description: string]: Checker<VT>;
  }

  /**
   * Runs every check on `val`, emits one `checks` sample per check (with `tags`), and returns
   * `true` when all passed. A check that throws aborts the iteration, as in k6.
   */
  export function check<VT>(val: VT, sets: Checkers<VT>, tags?: { [name: string]: string }): boolean;

  /** Runs `fn` inside the group `name` (tag `group` = `::name`), returning its result. */
  export function group<RT>(name: string, fn: () => RT): RT;

  /** Suspends the VU for `t` seconds. */
  export function sleep(t: number): void;

  /** Throws, aborting the current iteration (`GoError: <err>`). */
  export function fail(err?: string): never;

  /** Seeds `Math.random()` of this VU. */
  export function randomSeed(int: number): void;

  export type JSONValue = null | boolean | number | string | JSONArray | JSONObject;
  export interface JSONArray extends Array<JSONValue> {}
  export interface JSONObject {
    [key: string]: JSONValue;
  }
}
