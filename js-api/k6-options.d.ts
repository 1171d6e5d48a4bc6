// `k6/options`: types only (there is no such module at run time, in k6 or rk6). For
// `export const options = {...}` annotated with `/** @type {import('k6/options').Options} */`.
// Lists the options rk6 reads; @types/k6 also has cloud, ext, dns, tlsAuth, tlsCipherSuites,
// tlsVersion, localIPs, rps, executionSegment*, which rk6
// accepts and ignores (it warns about none of them).
declare module 'k6/options' {
  /** A duration string (`"30s"`, `"1m30s"`, `"500ms"`) or a number of milliseconds. */
  export type Duration = string | number;

  export interface Stage {
    duration: Duration;
    target: number;
  }

  /** A threshold expression (`"p(95)<500"`) or an object form. */
  export type Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

  interface BaseScenario {
    /** Exported function to run; `"default"` by default. */
    exec?: string;
    startTime?: Duration;
    gracefulStop?: Duration;
    env?: { [name: string]: string };
    tags?: { [name: string]: string };
  }
  export interface SharedIterationsScenario extends BaseScenario {
    executor: 'shared-iterations';
    vus?: number;
    iterations?: number;
    maxDuration?: Duration;
  }
  export interface PerVUIterationsScenario extends BaseScenario {
    executor: 'per-vu-iterations';
    vus?: number;
    iterations?: number;
    maxDuration?: Duration;
  }
  export interface ConstantVUsScenario extends BaseScenario {
    executor: 'constant-vus';
    vus?: number;
    duration: Duration;
  }
  export interface RampingVUsScenario extends BaseScenario {
    executor: 'ramping-vus';
    startVUs?: number;
    stages: Stage[];
    gracefulRampDown?: Duration;
  }
  export interface ConstantArrivalRateScenario extends BaseScenario {
    executor: 'constant-arrival-rate';
    rate: number;
    timeUnit?: Duration;
    duration: Duration;
    preAllocatedVUs: number;
    maxVUs?: number;
  }
  export interface RampingArrivalRateScenario extends BaseScenario {
    executor: 'ramping-arrival-rate';
    startRate?: number;
    timeUnit?: Duration;
    stages: Stage[];
    preAllocatedVUs: number;
    maxVUs?: number;
  }
  export interface ExternallyControlledScenario extends BaseScenario {
    executor: 'externally-controlled';
    vus?: number;
    maxVUs?: number;
    duration?: Duration;
  }
  export type Scenario =
    | SharedIterationsScenario
    | PerVUIterationsScenario
    | ConstantVUsScenario
    | RampingVUsScenario
    | ConstantArrivalRateScenario
    | RampingArrivalRateScenario
    | ExternallyControlledScenario;

  export interface Options {
    vus?: number;
    duration?: Duration;
    iterations?: number;
    stages?: Stage[];
    scenarios?: { [name: string]: Scenario };
    thresholds?: { [metric: string]: Threshold[] };
    tags?: { [name: string]: string };
    setupTimeout?: Duration;
    teardownTimeout?: Duration;
    handleSummaryTimeout?: Duration;
    noSetup?: boolean;
    noTeardown?: boolean;
    summaryTrendStats?: string[];
    summaryTimeUnit?: 's' | 'ms' | 'us';
    userAgent?: string;
    maxRedirects?: number;
    batch?: number;
    batchPerHost?: number;
    insecureSkipTLSVerify?: boolean;
    noConnectionReuse?: boolean;
    noVUConnectionReuse?: boolean;
    discardResponseBodies?: boolean;
    /** Failed requests throw instead of returning a Response with `error`. */
    throw?: boolean;
    noCookiesReset?: boolean;
    minIterationDuration?: Duration;
    /** `"headers"` or `"full"`. */
    httpDebug?: string;
    hosts?: { [name: string]: string };
    /** Names (`"*.example.com"` blocks every subdomain) requests may not go to (error 1111). */
    blockHostnames?: string[];
    /** CIDR ranges (`"10.0.0.0/8"`) requests may not connect to (error 1110). */
    blacklistIPs?: string[];
    systemTags?: string[];
    paused?: boolean;
  }
}
