// A small stand-in for the `vscode` module, enough for the extension and vscode-languageclient to run under
// node's test runner. Importing this file makes `require("vscode")` return it. What the extension shows
// (status bar, messages, quick picks, diagnostics) is recorded in `mock` for the tests to assert on.

import Module from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Listener<T> = (value: T) => unknown;

export class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    });
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri("file", path.resolve(fsPath));
  }
  static parse(value: string): Uri {
    return value.startsWith("file:") ? Uri.file(fileURLToPath(value)) : new Uri(value.split(":")[0] ?? "", value);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return Uri.file(path.join(base.fsPath, ...parts));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.scheme === "file" ? pathToFileURL(this.path).href : this.path;
  }
  toJSON(): string {
    return this.toString();
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(start: Position | number, end: Position | number, endLine?: number, endCharacter?: number) {
    if (typeof start === "number" && typeof end === "number") {
      this.start = new Position(start, end);
      this.end = new Position(endLine ?? start, endCharacter ?? end);
    } else {
      this.start = start as Position;
      this.end = end as Position;
    }
  }
}

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range,
  ) {}
}

export class Diagnostic {
  code?: unknown;
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number = 0,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

export class MarkdownString {
  constructor(public value = "") {}
}

/** The classes vscode-languageclient extends or builds that no test looks into. */
class Plain {
  constructor(...args: unknown[]) {
    Object.assign(this, { args });
  }
}
export class CodeLens extends Plain {}
export class CodeAction extends Plain {}
export class CompletionItem extends Plain {}
export class DocumentLink extends Plain {}
export class InlayHint extends Plain {}
export class SymbolInformation extends Plain {}
export class TypeHierarchyItem extends Plain {}
export class CallHierarchyItem extends Plain {}
export class Hover extends Plain {}
export class TextEdit extends Plain {}
export class WorkspaceEdit extends Plain {}

export class CodeActionKind {
  static readonly Empty = new CodeActionKind("");
  static readonly QuickFix = new CodeActionKind("quickfix");
  static readonly Refactor = new CodeActionKind("refactor");
  static readonly RefactorExtract = new CodeActionKind("refactor.extract");
  static readonly RefactorInline = new CodeActionKind("refactor.inline");
  static readonly RefactorMove = new CodeActionKind("refactor.move");
  static readonly RefactorRewrite = new CodeActionKind("refactor.rewrite");
  static readonly Source = new CodeActionKind("source");
  static readonly SourceOrganizeImports = new CodeActionKind("source.organizeImports");
  static readonly SourceFixAll = new CodeActionKind("source.fixAll");
  static readonly Notebook = new CodeActionKind("notebook");
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value === "" ? part : `${this.value}.${part}`);
  }
}

export const StatusBarAlignment = { Left: 1, Right: 2 };
export const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 };
export const DiagnosticTag = { Unnecessary: 1, Deprecated: 2 };
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
export const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };
export const TextDocumentSaveReason = { Manual: 1, AfterDelay: 2, FocusOut: 3 };
export const version = "1.91.0";
export const env = { appName: "Visual Studio Code (mock)", language: "en", openExternal: async () => true };

export interface StatusBarItem {
  id: string;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  backgroundColor?: ThemeColor;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export interface Message {
  severity: "error" | "warning" | "information";
  text: string;
  actions: string[];
}

/** What the tests set up and read back. */
export const mock = {
  settings: new Map<string, unknown>(),
  workspaceFolder: undefined as string | undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  statusItems: [] as StatusBarItem[],
  messages: [] as Message[],
  output: [] as string[],
  quickPicks: [] as { items: unknown[]; options: unknown }[],
  /** Which quick-pick entry the user chooses (by index); undefined: the pick is dismissed. */
  choose: undefined as number | undefined,
  shownDocuments: [] as { uri: string; selection: Range | undefined }[],
  diagnostics: new Map<string, Diagnostic[]>(),
  configurationChanged: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  foldersChanged: new EventEmitter<unknown>(),
  /** The Python extension as `vscode.extensions.getExtension("ms-python.python")` returns it. */
  pythonExtension: undefined as unknown,
  reset(): void {
    mock.pythonExtension = undefined;
    mock.settings.clear();
    mock.commands.clear();
    mock.statusItems.length = 0;
    mock.messages.length = 0;
    mock.output.length = 0;
    mock.quickPicks.length = 0;
    mock.shownDocuments.length = 0;
    mock.diagnostics.clear();
    mock.choose = undefined;
    mock.workspaceFolder = undefined;
  },
  /** Changes settings the way the settings editor does: the new values, then the event. */
  changeSettings(values: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(values)) {
      mock.settings.set(key, value);
    }
    const keys = Object.keys(values);
    mock.configurationChanged.fire({
      affectsConfiguration: (section) => keys.some((key) => key === section || key.startsWith(`${section}.`)),
    });
  },
  get status(): StatusBarItem {
    const item = mock.statusItems[0];
    if (item === undefined) {
      throw new Error("no status-bar item was created");
    }
    return item;
  },
};

const noEvent = (): Disposable => new Disposable();

function message(severity: Message["severity"]) {
  return async (text: string, ...rest: unknown[]): Promise<undefined> => {
    mock.messages.push({ severity, text, actions: rest.filter((item) => typeof item === "string") });
    return undefined;
  };
}

function outputChannel(name: string) {
  const log =
    (level: string) =>
    (text: string): void => {
      mock.output.push(`[${level}] ${text}`);
    };
  return {
    name,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: noEvent,
    trace: log("trace"),
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: (error: string | Error) => log("error")(String(error)),
    append: log("append"),
    appendLine: log("line"),
    replace: log("replace"),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

export const window = {
  activeTextEditor: undefined,
  visibleTextEditors: [],
  tabGroups: { all: [], onDidChangeTabs: noEvent },
  onDidChangeActiveTextEditor: noEvent,
  onDidChangeVisibleTextEditors: noEvent,
  createOutputChannel: outputChannel,
  createStatusBarItem(id: string): StatusBarItem {
    const item: StatusBarItem = {
      id,
      text: "",
      visible: false,
      show: () => {
        item.visible = true;
      },
      hide: () => {
        item.visible = false;
      },
      dispose: () => {
        item.visible = false;
      },
    };
    mock.statusItems.push(item);
    return item;
  },
  showErrorMessage: message("error"),
  showWarningMessage: message("warning"),
  showInformationMessage: message("information"),
  async showQuickPick<T>(items: T[] | Promise<T[]>, options: unknown): Promise<T | undefined> {
    const resolved = await items;
    mock.quickPicks.push({ items: resolved, options });
    return mock.choose === undefined ? undefined : resolved[mock.choose];
  },
  async showTextDocument(document: { uri: Uri }, options?: { selection?: Range }): Promise<void> {
    mock.shownDocuments.push({ uri: document.uri.toString(), selection: options?.selection });
  },
  async withProgress<T>(
    _options: unknown,
    task: (progress: unknown, token: CancellationTokenSource["token"]) => Promise<T>,
  ): Promise<T> {
    return task({ report: () => undefined }, new CancellationTokenSource().token);
  },
};

export const workspace = {
  get workspaceFolders() {
    const folder = mock.workspaceFolder;
    return folder === undefined ? undefined : [{ uri: Uri.file(folder), name: path.basename(folder), index: 0 }];
  },
  textDocuments: [],
  notebookDocuments: [],
  getConfiguration(section?: string) {
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const value = mock.settings.get(section === undefined ? key : `${section}.${key}`);
        return (value as T | undefined) ?? fallback;
      },
      has: (key: string) => mock.settings.has(section === undefined ? key : `${section}.${key}`),
    };
  },
  onDidChangeConfiguration: mock.configurationChanged.event,
  onDidOpenTextDocument: noEvent,
  onDidCloseTextDocument: noEvent,
  onDidChangeTextDocument: noEvent,
  onDidSaveTextDocument: noEvent,
  onWillSaveTextDocument: noEvent,
  onDidChangeWorkspaceFolders: mock.foldersChanged.event,
  createFileSystemWatcher: () => ({
    onDidCreate: noEvent,
    onDidChange: noEvent,
    onDidDelete: noEvent,
    dispose: () => undefined,
  }),
  async openTextDocument(uri: Uri): Promise<{ uri: Uri }> {
    return { uri };
  },
  async applyEdit(): Promise<boolean> {
    return true;
  },
};

function registration(): Disposable {
  return new Disposable();
}

export const languages = new Proxy(
  {
    match: () => 10,
    createDiagnosticCollection: (name?: string) => ({
      name,
      set(uri: Uri, diagnostics: Diagnostic[] | undefined) {
        mock.diagnostics.set(uri.toString(), diagnostics ?? []);
      },
      delete(uri: Uri) {
        mock.diagnostics.delete(uri.toString());
      },
      clear() {
        mock.diagnostics.clear();
      },
      forEach: () => undefined,
      get: (uri: Uri) => mock.diagnostics.get(uri.toString()),
      has: (uri: Uri) => mock.diagnostics.has(uri.toString()),
      dispose: () => undefined,
    }),
  } as Record<string, unknown>,
  {
    // register…Provider: every feature the client wires up for the server's capabilities.
    get: (target, name: string) => target[name] ?? (name.startsWith("register") ? registration : undefined),
  },
);

export const commands = {
  registerCommand(name: string, run: (...args: unknown[]) => unknown): Disposable {
    if (mock.commands.has(name)) {
      throw new Error(`command '${name}' already exists`);
    }
    mock.commands.set(name, run);
    return new Disposable(() => mock.commands.delete(name));
  },
  async executeCommand(name: string, ...args: unknown[]): Promise<unknown> {
    return mock.commands.get(name)?.(...args);
  },
  getCommands: async () => [...mock.commands.keys()],
};

export const extensions = {
  getExtension: (id: string) => (id === "ms-python.python" ? mock.pythonExtension : undefined),
};

// `require("vscode")` anywhere in this process returns this module.
type Resolver = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolver };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  return request === "vscode" ? __filename : resolve.call(this, request, ...rest);
};
