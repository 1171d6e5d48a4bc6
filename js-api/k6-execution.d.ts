// `k6/execution`: information about the running test. Same fields as @types/k6, which
// declares the objects inline; rk6 names their types (VuInfo, ScenarioInfo, ...).
declare module 'k6/execution' {
  import { Options } from 'k6/options';

  export interface ScenarioInfo {
    name: string;
    executor: string;
    /** Unix ms when the scenario started. */
    startTime: number;
    /** 0..1. */
    progress: number;
    iterationInInstance: number;
    iterationInTest: number;
  }
  export interface InstanceInfo {
    iterationsInterrupted: number;
    iterationsCompleted: number;
    vusActive: number;
    vusInitialized: number;
    /** ms since the test started. */
    currentTestRunDuration: number;
  }
  export interface TestInfo {
    /** Stops the test (exit code 108); the reason is logged. */
    abort(input?: string): void;
    /** Marks the test failed (exit code 110) and lets it run to the end. */
    fail(message?: string): void;
    /** The consolidated options, as `rk6 inspect` prints them. */
    readonly options: Options;
  }
  export interface VuInfo {
    iterationInInstance: number;
    iterationInScenario: number;
    idInInstance: number;
    idInTest: number;
    /** Tags of this VU's samples; assignable (`vu.tags.name = 'x'`). */
    tags: Record<string, number | string | boolean>;
    metrics: {
      tags: Record<string, number | string | boolean>;
      metadata: Record<string, number | string | boolean>;
    };
  }

  export const scenario: ScenarioInfo;
  export const instance: InstanceInfo;
  export const test: TestInfo;
  export const vu: VuInfo;
}
