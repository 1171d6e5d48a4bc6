// `k6/data`: SharedArray. Matches @types/k6.
declare module 'k6/data' {
  /**
   * A read-only array built once, in the init context of the first VU, by `callback`, and
   * shared by every VU (elements are JSON data; each read returns a fresh copy).
   */
  export const SharedArray: {
    new <T>(name: string, callback: () => T[]): T[];
  };
}
