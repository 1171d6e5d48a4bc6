// `k6/timers`: the same functions as the timer globals. Matches @types/k6.
declare module 'k6/timers' {
  export type TimeoutID = number;
  export type IntervalID = number;
  export function setTimeout(callback: (...args: any[]) => void, delay?: number, ...args: any[]): TimeoutID;
  export function clearTimeout(timeoutID: TimeoutID): void;
  export function setInterval(callback: (...args: any[]) => void, delay?: number, ...args: any[]): IntervalID;
  export function clearInterval(intervalID: IntervalID): void;
}
