// `k6/experimental/fs`: files opened once in the init context and read as bytes. As k6 v1.1.0.
declare module 'k6/experimental/fs' {
  /**
   * Opens a file (init context only; relative paths resolve against the entry script's
   * directory). The bytes are read once per run and shared by every VU.
   *
   * @example
   * ```javascript
   * import { open, SeekMode } from 'k6/experimental/fs';
   * const file = await open('./data.bin');
   * export default async function () {
   *   await file.seek(0, SeekMode.Start);
   *   const buffer = new Uint8Array(128);
   *   const n = await file.read(buffer); // bytes read, or null at the end of the file
   * }
   * ```
   */
  export function open(path: string): Promise<File>;

  /** `whence` of `File.seek()`. */
  export const SeekMode: {
    readonly Start: 0;
    readonly Current: 1;
    readonly End: 2;
  };
  export type SeekMode = 0 | 1 | 2;

  /** An opened file: the shared bytes and this object's own offset. */
  export interface File {
    /** The absolute path. */
    readonly path: string;
    /**
     * Copies bytes from the offset into `buffer` (its whole underlying ArrayBuffer, from its
     * start, as in k6) and advances the offset: the number of bytes read, or `null` at the end.
     */
    read(buffer: Uint8Array): Promise<number | null>;
    /**
     * Moves the offset; resolves to the new one. `SeekMode.End` counts from the last byte
     * (`seek(0, SeekMode.End)` is `size - 1`, as in k6).
     */
    seek(offset: number, whence?: SeekMode): Promise<number>;
    stat(): Promise<FileInfo>;
  }

  export interface FileInfo {
    /** The base name. */
    name: string;
    /** Size in bytes. */
    size: number;
  }

  /**
   * What `open`, `read` and `seek` reject with: not an `Error` instance (k6 hands out the Go
   * value); `String(e)` is `name: message`.
   */
  export interface FsError {
    name: 'NotFoundError' | 'InvalidResourceError' | 'ForbiddenError' | 'TypeError' | 'EOFError';
    message: string;
    /** Go's `Error()`: `name: message`. */
    error(): string;
    /** `name: message`. */
    toString(): string;
  }
}
