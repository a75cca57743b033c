/**
 * Imported first by main.ts, before anything loads the design card's packages: stand-ins for
 * modules they load at start and the operator never uses, which load the real module on first use.
 *
 * @kubernetes/client-node. @dot-i/k8s-operator requires the whole package, whose index (and its
 * KubeConfig's own file) load every generated API and model class: about 1,100 modules, 14 MiB of
 * heap and 32 MiB of resident memory, for a process that uses KubeConfig alone (it talks to the API
 * server through KubeHttp with raw JSON). Here the package's index and its `api` module are
 * stand-ins that load the real thing on first use, so KubeConfig comes without the models:
 *
 * - `KubeConfig` is the real class (its file's `api` import is the stand-in, which it reads only
 *   in helpers the operator does not call);
 * - `CoreV1Api`, which the framework's constructor makes and the operator never calls, is a
 *   stand-in that knows its basePath and builds the real client on the first other use;
 * - any other export loads the whole package, as before.
 */
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';

const load = createRequire(__filename);
const framework = createRequire(load.resolve('@dot-i/k8s-operator'));
const indexFile = load.resolve('@kubernetes/client-node');
const apiFile = path.join(path.dirname(indexFile), 'api.js');

type Exports = Record<string | symbol, unknown>;

/** cached puts a module into require's cache as if it had been loaded from file. */
function cached(file: string, exports: object): void {
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  load.cache[file] = m;
}

/** onDemand is a module's exports that load `real()` when first read (beyond __esModule and `own`). */
function onDemand(real: () => Exports, own: Exports = {}): object {
  return new Proxy(own, {
    get: (target, key) => (key === '__esModule' ? true : key in target ? target[key] : real()[key]),
    has: (target, key) => key in target || key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true };
    },
  });
}

let whole: Exports | undefined;
/** The whole package, as `require('@kubernetes/client-node')` would have loaded it. */
function wholePackage(): Exports {
  if (!whole) {
    delete load.cache[indexFile];
    delete load.cache[apiFile]; // the index re-exports the real api module, not the stand-in
    whole = load(indexFile) as Exports;
  }
  return whole;
}

let api: Exports | undefined;
const realApi = (): Exports => (api ??= load(path.join(path.dirname(indexFile), 'gen', 'api')) as Exports);

/** A CoreV1Api that builds the real one on first use, beyond what the framework's constructor does. */
class CoreV1ApiOnDemand {
  constructor(basePath: string) {
    const auth: unknown[] = [];
    let real: Exports | undefined;
    const build = () => {
      if (!real) {
        real = new (realApi().CoreV1Api as new (basePath: string) => Exports)(basePath);
        auth.forEach((a) => (real!.setDefaultAuthentication as (a: unknown) => void)(a));
      }
      return real;
    };
    return new Proxy(this, {
      get: (_, key) => {
        if (key === 'basePath' && !real) return basePath;
        if (key === 'setDefaultAuthentication' && !real) return (a: unknown) => auth.push(a);
        const value = build()[key];
        return typeof value === 'function' ? value.bind(real) : value;
      },
      set: (_, key, value) => {
        build()[key] = value;
        return true;
      },
    });
  }
}

/**
 * lazy puts a stand-in for `specifier` in require's cache that loads the real module on first use.
 * A module that is not there (a later version of the package that needs it no more) is left alone.
 */
function lazy(require: NodeJS.Require, specifier: string): void {
  let file: string;
  try {
    file = require.resolve(specifier);
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: Exports | undefined;
  cached(
    file,
    onDemand(() => {
      if (!real) {
        delete require.cache[file];
        real = require(file) as Exports;
      }
      return real;
    }),
  );
}

/*
 * gaxios. @dot-i/k8s-operator requires it at load for its finalizer and status helpers, which the
 * operator does not call (it patches status through KubeHttp); node-fetch, whatwg-url and tr46's
 * Unicode tables come with it: 3 MiB of heap and 8 MiB of resident memory.
 */
lazy(framework, 'gaxios');

/*
 * zod's locales. `zod` loads the messages of its 63 languages at start for `z.locales`, which the
 * operator does not read (English, which it uses, is loaded apart): 60 modules, 0.8 MiB of heap.
 */
lazy(load, path.join(path.dirname(load.resolve('zod')), 'v4', 'locales', 'index.cjs'));

if (!load.cache[indexFile]) {
  cached(apiFile, onDemand(realApi));
  const { KubeConfig } = load(path.join(path.dirname(indexFile), 'config')) as Exports;
  cached(indexFile, onDemand(wholePackage, { KubeConfig, CoreV1Api: CoreV1ApiOnDemand }));
}
