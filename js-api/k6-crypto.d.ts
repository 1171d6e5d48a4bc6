// `k6/crypto`: hashes and HMAC. Matches @types/k6, plus `hexEncode` (k6 has it; @types/k6 omits it).
declare module 'k6/crypto' {
  export type Algorithm =
    | 'md4'
    | 'md5'
    | 'sha1'
    | 'sha256'
    | 'sha384'
    | 'sha512'
    | 'sha512_224'
    | 'sha512_256'
    | 'ripemd160';
  export type StringEncoding = 'hex' | 'base64' | 'base64url' | 'base64rawurl';
  export type BinaryEncoding = 'binary';
  export type OutputEncoding = StringEncoding | BinaryEncoding;
  export type Output<OE extends OutputEncoding> = OE extends StringEncoding ? string : ArrayBuffer;
  type Input = string | ArrayBuffer | ArrayBufferView;

  export function randomBytes(size: number): ArrayBuffer;
  export function hmac<OE extends OutputEncoding>(
    algorithm: Algorithm,
    secret: string | ArrayBuffer,
    input: Input,
    outputEncoding: OE,
  ): Output<OE>;
  export function md4<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function md5<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha1<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha256<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha384<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha512<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha512_224<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function sha512_256<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  export function ripemd160<OE extends OutputEncoding>(input: Input, outputEncoding: OE): Output<OE>;
  /** Lower-case hex of the bytes. */
  export function hexEncode(data: string | ArrayBuffer | ArrayBufferView): string;
  export function createHash(algorithm: Algorithm): Hasher;
  export function createHMAC(algorithm: Algorithm, secret: string | ArrayBuffer): Hasher;

  /** What `createHash()`/`createHMAC()` return (not an export: there is no `Hasher` value). */
  export interface Hasher {
    update(input: Input): void;
    digest<OE extends OutputEncoding>(outputEncoding: OE): Output<OE>;
  }
}
