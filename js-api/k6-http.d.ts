// `k6/http`. Matches @types/k6 except: no `SSL_3_0` and only `OCSP_REASON_UNSPECIFIED` of the
// OCSP reason constants; `Response` has `toJSON()` and `timings.looking_up`; `auth: "ntlm"`
// is not supported.
declare module 'k6/http' {
  import { JSONValue } from 'k6';
  import { Selection } from 'k6/html';

  export type ResponseType = 'binary' | 'none' | 'text';
  /** `"basic"` (the default when the URL has credentials) or `"digest"`. */
  export type AuthMethod = 'basic' | 'digest';
  export type ParamsCookieValue = string | { value?: string; replace?: boolean };

  export interface Params {
    auth?: AuthMethod;
    /** Compresses the body: `"gzip"`, `"deflate"`, `"br"`, `"zstd"`, comma-separated to chain. */
    compression?: string;
    cookies?: { [name: string]: ParamsCookieValue };
    headers?: { [name: string]: string };
    jar?: CookieJar;
    /** Redirects to follow; defaults to the `maxRedirects` option (10). */
    redirects?: number;
    responseType?: ResponseType;
    tags?: { [name: string]: string };
    /** ms, or a duration string (`"30s"`); 60 s by default. */
    timeout?: string | number;
    responseCallback?: ExpectedStatusesCallback | null;
  }
  export interface RefinedParams<RT extends ResponseType | undefined> extends Params {
    responseType?: RT;
  }

  export type RequestBody = string | StructuredRequestBody | ArrayBuffer | ArrayBufferView;
  /** Sent as `application/x-www-form-urlencoded`, or `multipart/form-data` when it holds a file. */
  export interface StructuredRequestBody {
    [name: string]: string | number | boolean | FileData;
  }

  export function request<RT extends ResponseType | undefined = undefined>(
    method: string,
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function asyncRequest<RT extends ResponseType | undefined = undefined>(
    method: string,
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): Promise<RefinedResponse<RT>>;
  export function get<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function head<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function post<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function put<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function patch<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function del<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;
  export function options<RT extends ResponseType | undefined = undefined>(
    url: string | HttpURL,
    body?: RequestBody | null,
    params?: RefinedParams<RT> | null,
  ): RefinedResponse<RT>;

  export type BatchRequest = string | HttpURL | ArrayBatchRequest | ObjectBatchRequest;
  export type ArrayBatchRequest = [string, string | HttpURL, (RequestBody | null)?, (Params | null)?];
  export interface ObjectBatchRequest {
    method: string;
    url: string | HttpURL;
    body?: RequestBody | null;
    params?: Params | null;
  }
  export type BatchRequests = BatchRequest[] | { [name: string]: BatchRequest };
  /** Responses in the shape of the requests (array or object). */
  export type BatchResponses<Q> = { [K in keyof Q]: Response };
  /** Runs the requests in parallel (at most `batch` / `batchPerHost` at once). */
  export function batch<Q extends BatchRequests>(requests: Q): BatchResponses<Q>;

  /** Tagged template: the request's `name` tag is the template with `${}` placeholders. */
  export function url(strings: TemplateStringsArray, ...args: Array<string | number | boolean>): HttpURL;
  /** A file part of a multipart body. */
  export function file(data: string | ArrayBuffer | ArrayBufferView, filename?: string, contentType?: string): FileData;
  /** This VU's cookie jar (reset before each iteration unless `noCookiesReset`). */
  export function cookieJar(): CookieJar;
  /** Response callback marking the given statuses (or ranges) as expected (`expected_response` tag). */
  export function expectedStatuses(...param: Array<number | ExpectedStatusesObject>): ExpectedStatusesCallback;
  /** Sets the default response callback; `null` disables `http_req_failed` and `expected_response`. */
  export function setResponseCallback(responseCallback: ExpectedStatusesCallback | null): void;

  export const TLS_1_0 = 'tls1.0';
  export const TLS_1_1 = 'tls1.1';
  export const TLS_1_2 = 'tls1.2';
  export const TLS_1_3 = 'tls1.3';
  export const OCSP_STATUS_GOOD = 'good';
  export const OCSP_STATUS_REVOKED = 'revoked';
  export const OCSP_STATUS_SERVER_FAILED = 'server_failed';
  export const OCSP_STATUS_UNKNOWN = 'unknown';
  export const OCSP_REASON_UNSPECIFIED = 'unspecified';

  export interface ExpectedStatusesObject {
    min: number;
    max: number;
  }
  /** Opaque: made by `expectedStatuses()`. */
  export interface ExpectedStatusesCallback {
    __brand: 'expected-statuses';
  }
  /** Opaque: made by the `url` template tag. */
  export interface HttpURL {
    __brand: 'http-url';
  }

  /** What `file()` returns (a type only: `k6/http` exports no `FileData` value). */
  export interface FileData {
    data: string | ArrayBuffer;
    filename?: string;
    content_type?: string;
  }

  export interface RequestCookie {
    name: string;
    value: string;
    replace: boolean;
  }
  export interface ResponseCookie {
    name: string;
    value: string;
    domain: string;
    path: string;
    /** k6's name (@types/k6 says `httpOnly`, which k6 does not set). */
    http_only: boolean;
    secure: boolean;
    /** k6's name (@types/k6 says `maxAge`, which k6 does not set). */
    max_age: number;
    expires: number;
  }
  export interface ResponseTimings {
    blocked: number;
    /** Always 0, as in k6 (deprecated there; @types/k6 omits it). */
    looking_up: number;
    connecting: number;
    tls_handshaking: number;
    sending: number;
    waiting: number;
    receiving: number;
    duration: number;
  }
  export interface ResponseRequest {
    body: string;
    cookies: { [name: string]: RequestCookie[] };
    headers: { [name: string]: string[] };
    method: string;
    url: string;
  }
  export interface ResponseOcsp {
    produced_at: number;
    this_update: number;
    next_update: number;
    revocation_reason: string;
    revoked_at: number;
    /** rk6 does no OCSP stapling: `"unknown"` over TLS, `""` otherwise. */
    status: string;
  }
  export type Protocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2.0';

  export interface Response {
    body: string | ArrayBuffer | null;
    cookies: { [name: string]: ResponseCookie[] };
    error: string;
    error_code: number;
    headers: { [name: string]: string };
    ocsp: ResponseOcsp;
    proto: Protocol | string;
    remote_ip: string;
    remote_port: number;
    request: ResponseRequest;
    status: number;
    status_text: string;
    timings: ResponseTimings;
    tls_cipher_suite: string;
    tls_version: string;
    url: string;
    /** The body parsed as HTML (k6/html), optionally narrowed with a CSS selector. */
    html(selector?: string): Selection;
    /** The body parsed as JSON; `selector` is a GJSON path (`"json.items.0.id"`). */
    json(selector?: string): JSONValue | undefined;
    /** What `JSON.stringify(res)` serialises: the fields above. */
    toJSON(): object;
    /** A GET of the first match's `href` (default selector `a[href]`), resolved against `url`. */
    clickLink<RT extends ResponseType | undefined>(args?: {
      selector?: string;
      params?: Params & { responseType?: RT };
    }): RefinedResponse<RT>;
    /** Submits a form of this page with its values, the submit button's and `fields`. */
    submitForm<RT extends ResponseType | undefined>(args?: {
      formSelector?: string;
      fields?: { [name: string]: string };
      submitSelector?: string;
      params?: Params & { responseType?: RT };
    }): RefinedResponse<RT>;
  }
  /** No `responseType`: the `discardResponseBodies` default, a string (or null). */
  export type RefinedResponseBody<RT extends ResponseType | undefined> = [RT] extends [undefined]
    ? string | null
    : RT extends 'binary'
      ? ArrayBuffer
      : RT extends 'none'
        ? null
        : RT extends 'text'
          ? string
          : string | null;
  export interface RefinedResponse<RT extends ResponseType | undefined> extends Response {
    body: RefinedResponseBody<RT>;
  }

  export interface CookieJarCookies {
    [name: string]: string[];
  }
  export interface CookieOptions {
    domain?: string;
    path?: string;
    /** An HTTP date (`"Mon, 02 Jan 2006 15:04:05 GMT"`). */
    expires?: string;
    max_age?: number;
    secure?: boolean;
    http_only?: boolean;
  }
  /** `new CookieJar()` makes a jar of its own, to pass as `params.jar`. */
  export class CookieJar {
    protected __brand: never;
    cookiesForURL(url: string): CookieJarCookies;
    set(url: string, name: string, value: string, options?: CookieOptions | null): void;
    clear(url: string): void;
    delete(url: string, name: string): void;
  }
}
