// `k6/encoding`: base64. Matches @types/k6.
declare module 'k6/encoding' {
  export type Base64Variant = 'std' | 'rawstd' | 'url' | 'rawurl';
  export function b64encode(input: string | ArrayBuffer, encoding?: Base64Variant): string;
  export function b64decode(input: string, encoding?: Base64Variant): ArrayBuffer;
  export function b64decode(input: string, encoding: Base64Variant, format: 's'): string;
}
