// Measures `require(dist/extension.js)` + `activate(context)` in a fresh Node
// process, with a minimal fake `vscode` module injected through Module._load.
// This approximates the real extension host: no real editor services exist,
// every API the fake does not model returns an inert stub, and the host's own
// loader overhead is not included. Plain CommonJS so that no TypeScript loader
// sits between `require` and the bundle while it is timed.
//
// usage: node bench/activation-probe.cjs /abs/path/dist/extension.js
// prints one JSON line {requireMs, activateMs, totalMs, cpuMs, subscriptions}, then
// waits to be stopped (SIGTERM) so the benchmark can see any child processes.
// cpuMs is the process's CPU time over require + activate: on a busy machine it
// moves less than the wall-clock figures.
'use strict';
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

const extensionFile = path.resolve(process.argv[2]);
const extensionDir = path.dirname(path.dirname(extensionFile));

/** An inert stand-in: callable, constructible, and any property is another stub. */
function stub(name) {
  const cache = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a thenable: `await stub` yields the stub
      if (prop === Symbol.toPrimitive) return () => `[vscode stub ${name}]`;
      if (prop === Symbol.iterator) return undefined;
      if (prop === 'toString' || prop === 'toJSON') return () => `[vscode stub ${name}]`;
      if (prop === 'dispose') return () => undefined;
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    apply() {
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}

const disposable = () => ({ dispose() {} });

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg, disposables) => {
      const bound = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(bound);
      const d = { dispose: () => this.listeners.delete(bound) };
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(value) {
    for (const l of [...this.listeners]) l(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

// The fake editor API's own Disposable, as `vscode.Disposable`; Node's global of that name is not it.
// eslint-disable-next-line no-redeclare
class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((i) => i && i.dispose && i.dispose()));
  }
  dispose() {
    if (this.fn) this.fn();
    this.fn = undefined;
  }
}

function uri(fsPath, scheme = 'file') {
  return {
    scheme,
    fsPath,
    path: fsPath,
    authority: '',
    query: '',
    fragment: '',
    with(change) {
      return uri(change.path ?? fsPath, change.scheme ?? scheme);
    },
    toString() {
      return `${scheme}://${fsPath}`;
    },
    toJSON() {
      return { scheme, path: fsPath };
    },
  };
}
const Uri = {
  file: (p) => uri(p),
  parse: (s) => {
    const m = /^([a-z][\w+.-]*):\/\/(.*)$/i.exec(s);
    return m ? uri(m[2], m[1]) : uri(s);
  },
  joinPath: (base, ...parts) => uri(path.join(base.fsPath, ...parts), base.scheme),
  from: (c) => uri(c.path, c.scheme),
};

const event = new EventEmitter().event;
const configuration = () => ({ get: (_key, def) => def, has: () => false, inspect: () => undefined, update: async () => undefined });

class TreeItem {
  constructor(label, collapsibleState) {
    this.label = label;
    this.collapsibleState = collapsibleState;
  }
}
class ThemeIcon {
  constructor(id, color) {
    this.id = id;
    this.color = color;
  }
}
ThemeIcon.File = new ThemeIcon('file');
ThemeIcon.Folder = new ThemeIcon('folder');
class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}
class MarkdownString {
  constructor(value = '') {
    this.value = value;
  }
  appendMarkdown(s) {
    this.value += s;
    return this;
  }
  appendText(s) {
    this.value += s;
    return this;
  }
  appendCodeblock(s) {
    this.value += s;
    return this;
  }
}

const fake = {
  version: '1.100.0',
  EventEmitter,
  Disposable,
  Uri,
  TreeItem,
  ThemeIcon,
  ThemeColor,
  MarkdownString,
  StatusBarAlignment: { Left: 1, Right: 2 },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  UIKind: { Desktop: 1, Web: 2 },
  workspace: new Proxy(
    {
      isTrusted: true,
      workspaceFolders: undefined,
      name: undefined,
      getConfiguration: configuration,
      onDidChangeConfiguration: event,
      onDidGrantWorkspaceTrust: event,
      onDidChangeWorkspaceFolders: event,
      getWorkspaceFolder: () => undefined,
      createFileSystemWatcher: () => ({ onDidChange: event, onDidCreate: event, onDidDelete: event, dispose() {} }),
      fs: stub('workspace.fs'),
    },
    { get: (t, p) => (p in t ? t[p] : p === 'then' ? undefined : stub(`workspace.${String(p)}`)) },
  ),
  window: stub('window'),
  commands: new Proxy(
    {
      registerCommand: () => disposable(),
      executeCommand: async () => undefined,
      getCommands: async () => [],
    },
    { get: (t, p) => (p in t ? t[p] : p === 'then' ? undefined : stub(`commands.${String(p)}`)) },
  ),
  env: { language: 'en', machineId: 'bench', sessionId: 'bench', appName: 'Visual Studio Code', uiKind: 1, clipboard: stub('clipboard'), openExternal: async () => true, asExternalUri: async (u) => u },
  extensions: stub('extensions'),
  languages: stub('languages'),
  lm: stub('lm'),
};
const vscode = new Proxy(fake, { get: (t, p) => (p in t ? t[p] : p === 'then' ? undefined : stub(String(p))) });

const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscode;
  return originalLoad.call(this, request, parent, isMain);
};

function memento() {
  const data = new Map();
  return {
    keys: () => [...data.keys()],
    get: (k, d) => (data.has(k) ? data.get(k) : d),
    update: async (k, v) => void data.set(k, v),
    setKeysForSync: () => undefined,
  };
}

const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-activation-'));
let packageJSON = {};
try {
  packageJSON = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8'));
} catch {
  // No manifest beside dist/: fine for timing.
}
const context = {
  subscriptions: [],
  extensionUri: Uri.file(extensionDir),
  extensionPath: extensionDir,
  globalStorageUri: Uri.file(path.join(storage, 'global')),
  storageUri: Uri.file(path.join(storage, 'workspace')),
  logUri: Uri.file(path.join(storage, 'log')),
  globalStoragePath: path.join(storage, 'global'),
  storagePath: path.join(storage, 'workspace'),
  logPath: path.join(storage, 'log'),
  extensionMode: 1,
  secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: event },
  globalState: memento(),
  workspaceState: memento(),
  environmentVariableCollection: stub('environmentVariableCollection'),
  asAbsolutePath: (rel) => path.join(extensionDir, rel),
  extension: { id: `${packageJSON.publisher}.${packageJSON.name}`, extensionUri: Uri.file(extensionDir), extensionPath: extensionDir, packageJSON, isActive: true },
  languageModelAccessInformation: stub('languageModelAccessInformation'),
};

// The real extension host has loaded these Node modules for itself before any
// extension activates (its own bundle imports them), so loading them is not a
// cost of this extension; readline, which the host does not import, stays in
// the figure.
for (const builtin of ['node:child_process', 'node:crypto', 'node:events', 'node:fs', 'node:fs/promises', 'node:net', 'node:os', 'node:path']) require(builtin);

(async () => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const extension = require(extensionFile);
  const t1 = performance.now();
  await extension.activate(context);
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0, cpuMs, subscriptions: context.subscriptions.length }) + '\n');
  const finish = async () => {
    try {
      if (typeof extension.deactivate === 'function') await extension.deactivate();
      for (const d of context.subscriptions) if (d && typeof d.dispose === 'function') d.dispose();
    } finally {
      fs.rmSync(storage, { recursive: true, force: true });
      process.exit(0);
    }
  };
  process.once('SIGTERM', finish);
  process.once('SIGINT', finish);
  setInterval(() => undefined, 60_000);
})().catch((err) => {
  process.stderr.write(`activation failed: ${err && err.stack ? err.stack : err}\n`);
  fs.rmSync(storage, { recursive: true, force: true });
  process.exit(1);
});
