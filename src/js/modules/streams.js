// k6/experimental/streams, as k6 v1.1.0 implements it in Go
// (internal/js/modules/k6/experimental/streams): a ReadableStream with a default controller
// and default reader, following the WHATWG Streams specification's algorithms step by step,
// without byte streams, BYOB readers or tee(). What scripts can observe is k6's: the same
// errors (TypeError/RangeError for the spec's exceptions, GoError for what k6 does not
// support), the same own properties on streams, readers, controllers and strategies, and
// no instanceof relation between those objects and the exported constructors.
//
// Evaluated once per VU that imports the module; returns the module's exports.
(function () {
  'use strict';

  const defineProperty = Object.defineProperty;

  function nullish(v) {
    return v === undefined || v === null;
  }

  // sobek exports plain objects (not arrays, functions or null) as Go maps.
  function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  function readOnly(obj, name, value) {
    defineProperty(obj, name, { value, writable: false, enumerable: true, configurable: false });
  }

  function accessor(obj, name, get) {
    defineProperty(obj, name, { get, enumerable: true, configurable: false });
  }

  // k6's `common.Throw` of a Go error: an Error named GoError holding the Go value.
  function goError(kind, message) {
    const e = new Error(kind + ':' + message);
    defineProperty(e, 'name', { value: 'GoError', writable: true, enumerable: false, configurable: true });
    e.value = { name: kind, message };
    return e;
  }

  function resolved(v) {
    return new Promise((resolve) => resolve(v));
  }

  function rejected(e) {
    return new Promise((_, reject) => reject(e));
  }

  // A promise with its resolving functions (Go's `NewPromise`).
  function deferred() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  function markHandled(promise) {
    promise.then(
      () => {},
      () => {},
    );
  }

  const defaultSize = function () {
    return 1.0;
  };

  // ---- queuing strategies -------------------------------------------------------------

  function newCountQueuingStrategy(args, size) {
    const obj = {};
    const name = 'CountQueuingStrategy';
    if (args.length !== 1) throw new TypeError(name + ' takes a single argument');
    if (!isObject(args[0])) throw new TypeError(name + ' argument must be an object');
    const arg = Object(args[0]);
    if (nullish(arg.highWaterMark)) {
      throw new TypeError(name + " argument must have 'highWaterMark' property");
    }
    readOnly(obj, 'highWaterMark', arg.highWaterMark);
    if (!nullish(size)) readOnly(obj, 'size', size);
    return obj;
  }

  function CountQueuingStrategy(...args) {
    if (!new.target) throw new TypeError("Class constructor CountQueuingStrategy cannot be invoked without 'new'");
    // The strategy's `size` always counts chunks: a caller's `size` is ignored.
    return newCountQueuingStrategy(args, defaultSize);
  }

  function initializeStrategy(args) {
    let strategy = {};
    if (args.length > 1 && !nullish(args[1])) strategy = Object(args[1]);
    if (nullish(strategy.highWaterMark)) strategy.highWaterMark = 1;
    let size = defaultSize;
    if (args.length > 0 && !nullish(args[0])) {
      const type = Object(args[0]).type;
      if (!nullish(type) && String(type) === 'bytes') size = null;
    }
    if ('size' in strategy) size = strategy.size;
    return newCountQueuingStrategy([strategy], size);
  }

  function extractHighWaterMark(strategy, defaultHWM) {
    const hwm = strategy.highWaterMark;
    if (nullish(hwm)) return defaultHWM;
    if (typeof hwm !== 'number' || Number.isNaN(hwm) || hwm < 0 || Math.trunc(hwm) < 0) {
      throw new RangeError('highWaterMark must be a non-negative number');
    }
    return hwm;
  }

  function extractSizeAlgorithm(strategy) {
    const size = strategy.size;
    if (nullish(size)) return defaultSize;
    if (typeof size !== 'function') throw new TypeError('size must be a function');
    return size;
  }

  // ---- the queue with sizes -----------------------------------------------------------

  class Queue {
    constructor() {
      this.items = [];
      this.totalSize = 0;
    }

    enqueue(value, size) {
      if (Number.isNaN(size) || size < 0 || size === Infinity) {
        throw new RangeError('size must be a finite, non-NaN number');
      }
      this.items.push({ value, size });
      this.totalSize += size;
    }

    dequeue() {
      if (this.items.length === 0) throw goError('AssertionError', 'queue is empty');
      const item = this.items.shift();
      this.totalSize -= item.size;
      if (this.totalSize < 0) this.totalSize = 0;
      return item.value;
    }

    get length() {
      return this.items.length;
    }
  }

  // ---- the stream's internal state ----------------------------------------------------

  const READABLE = 'readable';
  const CLOSED = 'closed';
  const ERRORED = 'errored';

  class StreamState {
    constructor() {
      this.state = READABLE;
      this.reader = null;
      this.storedError = undefined;
      this.disturbed = false;
      this.controller = null;
    }

    get locked() {
      return this.reader !== null;
    }

    numReadRequests() {
      if (this.reader === null) throw goError('AssertionError', 'stream does not have a default reader');
      return this.reader.readRequests.length;
    }

    addReadRequest(request) {
      if (this.state !== READABLE) {
        request.errorSteps(goError('AssertionError', 'stream is not readable'));
        return;
      }
      this.reader.readRequests.push(request);
    }

    fulfillReadRequest(chunk, done) {
      if (this.reader === null) throw goError('AssertionError', 'stream does not have a default reader');
      if (this.reader.readRequests.length === 0) {
        throw goError('AssertionError', 'reader.[[readRequests]] is empty');
      }
      const request = this.reader.readRequests.shift();
      if (done) request.closeSteps();
      else request.chunkSteps(chunk);
    }

    cancel(reason) {
      this.disturbed = true;
      if (this.state === CLOSED) return resolved(undefined);
      if (this.state === ERRORED) return rejected(this.storedError);
      this.close();
      const sourceCancelPromise = this.controller.cancelSteps(reason);
      return sourceCancelPromise.then(
        () => {},
        (err) => {
          throw err;
        },
      );
    }

    close() {
      if (this.state !== READABLE) {
        throw goError('AssertionError', 'cannot close a stream that is not readable');
      }
      this.state = CLOSED;
      const reader = this.reader;
      if (reader === null) return;
      reader.closed.resolve(undefined);
      const requests = reader.readRequests;
      reader.readRequests = [];
      for (const request of requests) request.closeSteps();
    }

    error(e) {
      if (this.state !== READABLE) {
        throw goError('AssertionError', 'cannot error a stream that is not readable');
      }
      this.state = ERRORED;
      this.storedError = e;
      const reader = this.reader;
      if (reader === null) return;
      reader.closed.reject(e);
      markHandled(reader.closed.promise);
      reader.errorReadRequests(e);
    }
  }

  // ---- the default controller ---------------------------------------------------------

  class Controller {
    constructor(stream, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm) {
      this.stream = stream;
      this.queue = new Queue();
      this.started = false;
      this.closeRequested = false;
      this.pullAgain = false;
      this.pulling = false;
      this.strategySizeAlgorithm = sizeAlgorithm;
      this.strategyHWM = highWaterMark;
      this.pullAlgorithm = pullAlgorithm;
      this.cancelAlgorithm = cancelAlgorithm;
    }

    canCloseOrEnqueue() {
      return !this.closeRequested && this.stream.state === READABLE;
    }

    desiredSize() {
      const state = this.stream.state;
      if (state === ERRORED) return null;
      if (state === CLOSED) return 0;
      return this.strategyHWM - this.queue.totalSize;
    }

    clearAlgorithms() {
      this.pullAlgorithm = null;
      this.cancelAlgorithm = null;
      this.strategySizeAlgorithm = null;
    }

    close() {
      if (!this.canCloseOrEnqueue()) return;
      this.closeRequested = true;
      if (this.queue.length === 0) {
        this.clearAlgorithms();
        this.stream.close();
      }
    }

    enqueue(chunk) {
      if (!this.canCloseOrEnqueue()) return;
      const stream = this.stream;
      if (stream.locked && stream.numReadRequests() > 0) {
        stream.fulfillReadRequest(chunk, false);
      } else {
        let size;
        try {
          size = Number(this.strategySizeAlgorithm.call(undefined, chunk));
          this.queue.enqueue(chunk, size);
        } catch (e) {
          this.error(e);
          throw e;
        }
      }
      this.callPullIfNeeded();
    }

    error(e) {
      if (this.stream.state !== READABLE) return;
      this.queue = new Queue();
      this.clearAlgorithms();
      this.stream.error(e);
    }

    shouldCallPull() {
      if (!this.canCloseOrEnqueue()) return false;
      if (!this.started) return false;
      if (this.stream.locked && this.stream.numReadRequests() > 0) return true;
      return this.desiredSize() > 0;
    }

    callPullIfNeeded() {
      if (!this.shouldCallPull()) return;
      if (this.pulling) {
        this.pullAgain = true;
        return;
      }
      if (this.pullAgain) throw goError('AssertionError', 'controller.pullAgain is true');
      this.pulling = true;
      const pullPromise = this.pullAlgorithm(this.toObject());
      pullPromise.then(
        () => {
          this.pulling = false;
          if (this.pullAgain) {
            this.pullAgain = false;
            this.callPullIfNeeded();
          }
        },
        (reason) => this.error(reason),
      );
    }

    cancelSteps(reason) {
      this.queue = new Queue();
      const result = this.cancelAlgorithm(reason);
      this.clearAlgorithms();
      if (result instanceof Promise) return result;
      return rejected(goError('RuntimeError', 'cancel algorithm error'));
    }

    pullSteps(request) {
      const stream = this.stream;
      if (this.queue.length > 0) {
        const chunk = this.queue.dequeue();
        if (this.closeRequested && this.queue.length === 0) {
          this.clearAlgorithms();
          stream.close();
        } else {
          this.callPullIfNeeded();
        }
        request.chunkSteps(chunk);
      } else {
        stream.addReadRequest(request);
        this.callPullIfNeeded();
      }
    }

    // What the underlying source's start/pull receive: a fresh object each time whose
    // prototype carries the controller's API (k6 hands out `Object.create(api)`).
    toObject() {
      const api = {};
      accessor(api, 'desiredSize', () => this.desiredSize());
      readOnly(api, 'constructor', function () {
        return {};
      });
      readOnly(api, 'close', () => {
        if (!this.canCloseOrEnqueue()) throw new TypeError('cannot close or enqueue');
        this.close();
      });
      readOnly(api, 'enqueue', (chunk) => {
        if (!this.canCloseOrEnqueue()) throw new TypeError('cannot close or enqueue');
        this.enqueue(chunk);
      });
      readOnly(api, 'error', (e) => this.error(e));
      return Object.create(api);
    }
  }

  // ---- the default reader -------------------------------------------------------------

  class Reader {
    constructor(stream) {
      if (stream.locked) throw new TypeError('stream is locked');
      this.stream = stream;
      this.readRequests = [];
      stream.reader = this;
      this.closed = deferred();
      if (stream.state === CLOSED) {
        this.closed.resolve(undefined);
      } else if (stream.state === ERRORED) {
        this.closed.reject(stream.storedError);
        markHandled(this.closed.promise);
      }
    }

    errorReadRequests(e) {
      const requests = this.readRequests;
      this.readRequests = [];
      for (const request of requests) request.errorSteps(e);
    }

    read() {
      const stream = this.stream;
      if (stream === null) return rejected(new TypeError('stream is undefined'));
      const { promise, resolve, reject } = deferred();
      const request = {
        chunkSteps: (chunk) => resolve({ value: chunk, done: false }),
        closeSteps: () => resolve({ value: undefined, done: true }),
        errorSteps: (e) => reject(e),
      };
      stream.disturbed = true;
      if (stream.state === CLOSED) request.closeSteps();
      else if (stream.state === ERRORED) request.errorSteps(stream.storedError);
      else stream.controller.pullSteps(request);
      return promise;
    }

    cancel(reason) {
      if (this.stream === null) return rejected(new TypeError('stream is undefined'));
      return this.stream.cancel(reason);
    }

    releaseLock() {
      const stream = this.stream;
      if (stream === null) return;
      if (stream.reader !== this) throw goError('AssertionError', "stream reader isn't reader");
      if (stream.state === READABLE) {
        this.closed.reject(new TypeError('stream is readable'));
      } else {
        this.closed = { promise: rejected(new TypeError('stream is not readable')) };
      }
      markHandled(this.closed.promise);
      stream.reader = null;
      this.stream = null;
      this.errorReadRequests(new TypeError('reader released'));
    }

    // The object scripts get: own, read-only, enumerable members.
    toObject() {
      const obj = {};
      accessor(obj, 'closed', () => this.closed.promise);
      readOnly(obj, 'cancel', (reason) => this.cancel(reason));
      readOnly(obj, 'read', () => this.read());
      readOnly(obj, 'releaseLock', () => this.releaseLock());
      return obj;
    }
  }

  // ---- ReadableStream -----------------------------------------------------------------

  // The native state behind each stream object handed to scripts.
  const states = new WeakMap();

  // The prototype of stream objects: k6's is not ReadableStream.prototype (so `instanceof`
  // is false there too) and carries a `locked` getter besides the objects' own.
  const streamProto = {};
  defineProperty(streamProto, 'constructor', { value: ReadableStream, writable: true, enumerable: false, configurable: true });

  function userAlgorithm(source, fn, name) {
    if (typeof fn !== 'function') {
      throw new TypeError('underlyingSource.[[' + name + ']] must be a function');
    }
    return fn;
  }

  function ReadableStream(...args) {
    if (!new.target) throw new TypeError("Class constructor ReadableStream cannot be invoked without 'new'");
    // The strategy is checked before the source, as k6 does for the spec's tests.
    const strategy = initializeStrategy(args);
    let source = null;
    const dict = { type: '' };
    if (args.length > 0 && args[0] !== undefined) {
      if (!isObject(args[0])) throw new TypeError('underlyingSource must be an object');
      source = Object(args[0]);
      const type = source.type;
      if (type !== undefined && String(type) !== 'bytes') {
        throw new TypeError('invalid underlying source type');
      }
      dict.type = type === undefined ? '' : String(type);
      // A member counts as given when the property exists, whatever its value.
      for (const name of ['start', 'pull', 'cancel']) {
        if (name in source) dict[name] = source[name];
      }
    }
    const state = new StreamState();
    if (dict.type === 'bytes') throw goError('NotSupportedError', "'bytes' stream is not supported yet");
    const sizeAlgorithm = extractSizeAlgorithm(strategy);
    const highWaterMark = extractHighWaterMark(strategy, 1);

    let startAlgorithm = () => undefined;
    let pullAlgorithm = () => resolved(undefined);
    let cancelAlgorithm = () => resolved(undefined);
    if ('start' in dict) {
      const start = userAlgorithm(source, dict.start, 'start');
      startAlgorithm = (controller) => start.call(source, controller);
    }
    if ('pull' in dict) {
      const pull = userAlgorithm(source, dict.pull, 'pull');
      pullAlgorithm = (controller) => {
        let v;
        try {
          v = pull.call(source, controller);
        } catch (e) {
          return rejected(e);
        }
        return v instanceof Promise ? v : resolved(v);
      };
    }
    if ('cancel' in dict) {
      const cancel = userAlgorithm(source, dict.cancel, 'cancel');
      cancelAlgorithm = (reason) => {
        let p;
        try {
          const res = cancel.call(source, reason);
          if (res instanceof Promise) p = res;
        } catch (e) {
          p = rejected(e);
        }
        return p === undefined ? resolved(undefined) : p;
      };
    }

    const controller = new Controller(state, pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm);
    state.controller = controller;
    const startResult = startAlgorithm(controller.toObject());
    let startPromise;
    if (startResult instanceof Promise) {
      startPromise = startResult;
    } else {
      startPromise = resolved(startResult);
    }
    startPromise.then(
      () => {
        controller.started = true;
        controller.callPullIfNeeded();
      },
      (err) => controller.error(err),
    );

    const stream = Object.create(streamProto);
    states.set(stream, state);
    defineProperty(stream, 'locked', { get: () => state.locked, enumerable: true, configurable: false });
    defineProperty(stream, 'source', { value: null, writable: true, enumerable: true, configurable: false });
    readOnly(stream, 'cancel', (reason) => {
      if (state.locked) return rejected(new TypeError('cannot cancel a locked stream'));
      return state.cancel(reason);
    });
    readOnly(stream, 'getReader', (options) => {
      if (nullish(options) || nullish(Object(options).mode)) return new Reader(state).toObject();
      if (String(Object(options).mode) !== 'byob') throw new TypeError("options.mode is not 'byob'");
      throw goError('NotSupportedError', "'byob' mode is not supported yet");
    });
    readOnly(stream, 'tee', () => {
      throw goError('NotSupportedError', "'tee()' is not supported yet");
    });
    return stream;
  }
  defineProperty(streamProto, 'locked', {
    get() {
      const state = states.get(this);
      return state !== undefined && state.locked;
    },
    enumerable: true,
    configurable: false,
  });

  function ReadableStreamDefaultReader(...args) {
    if (!new.target) {
      throw new TypeError("Class constructor ReadableStreamDefaultReader cannot be invoked without 'new'");
    }
    if (args.length !== 1) throw new TypeError('ReadableStreamDefaultReader takes a single argument');
    const state = states.get(Object(args[0]));
    if (state === undefined) {
      throw new TypeError('ReadableStreamDefaultReader argument must be a ReadableStream');
    }
    return new Reader(state).toObject();
  }

  return { ReadableStream, CountQueuingStrategy, ReadableStreamDefaultReader };
})();
