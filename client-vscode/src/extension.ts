// The editor side of tapgap: starts `tapgap serve` over stdio with vscode-languageclient (which shows the
// diagnostics, hovers, code lenses and code actions), and adds a coverage status-bar item and three
// commands. Decisions that need no editor live in command.ts, settings.ts, status.ts and gaps.ts.

import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  type ExecuteCommandSignature,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  State,
  type Executable,
} from "vscode-languageclient/node";
import {
  type Environment,
  type Missing,
  probeFailure,
  resolveServerCommand,
  type ServerCommand,
  serveArgs,
} from "./command";
import { type PickItem, gapItems, gapsTitle, objectItems, type Target } from "./gaps";
import { probeServer } from "./probe";
import {
  COVERAGE_CHANGED,
  GAPS,
  type Gaps,
  type ObjectReport,
  SHOW_OBJECT,
  SUMMARY,
  type Summary,
} from "./protocol";
import { needsRestart, readSettings, type Settings, serverOptions } from "./settings";
import { type ServerState, statusView } from "./status";

export const COMMANDS = {
  showGaps: "tapgap.showGaps",
  restartServer: "tapgap.restartServer",
  showOutput: "tapgap.showOutput",
} as const;

/** What `activate` returns: the running extension, for other extensions and for tests. */
export interface TapgapApi {
  readonly client: LanguageClient | undefined;
  readonly state: ServerState;
  readonly server: ServerCommand | undefined;
  /** Settles when the current start (or restart) has finished, successfully or not. */
  readonly ready: Promise<void>;
  restart(): Promise<void>;
}

/** The part of the Python extension's API used to find the selected interpreter. */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
    resolveEnvironment(
      environment: { path: string } | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

class TapgapExtension implements TapgapApi {
  client: LanguageClient | undefined;
  state: ServerState = { state: "stopped" };
  server: ServerCommand | undefined;
  ready: Promise<void> = Promise.resolve();
  private settings: Settings;
  /** The folder the running server analyses. */
  private root: string | undefined;
  private readonly status: vscode.StatusBarItem;
  private readonly output: vscode.LogOutputChannel;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel("tapgap", { log: true });
    this.status = vscode.window.createStatusBarItem("tapgap.coverage", vscode.StatusBarAlignment.Left, 10);
    this.status.name = "tapgap coverage";
    this.settings = this.readSettings();
    context.subscriptions.push(
      this.output,
      this.status,
      vscode.commands.registerCommand(COMMANDS.showGaps, () => this.showGaps()),
      vscode.commands.registerCommand(COMMANDS.restartServer, () => this.restart()),
      vscode.commands.registerCommand(COMMANDS.showOutput, () => this.output.show(true)),
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
      // The first folder is the project: a new first folder means a new server.
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        if (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath !== this.root) {
          void this.restart();
        }
      }),
    );
    this.show({ state: "stopped" });
    void this.followInterpreter();
  }

  /** A server run as `python -m tapgap` restarts when another interpreter is selected. */
  private async followInterpreter(): Promise<void> {
    const api = await pythonApi();
    const changed = api?.environments?.onDidChangeActiveEnvironmentPath;
    if (changed === undefined) {
      return;
    }
    this.context.subscriptions.push(
      changed(() => {
        if (this.server?.source === "interpreter" || this.state.state === "failed") {
          this.output.info("the selected Python interpreter changed: restarting the server");
          void this.restart();
        }
      }),
    );
  }

  restart(): Promise<void> {
    this.ready = this.ready.then(async () => {
      await this.stop();
      try {
        await this.start();
      } catch (error) {
        // Whatever went wrong, the next restart must still run: the chain of starts never rejects.
        this.fail({ problem: `the language server did not start (${describe(error)})`, fix: "See the output." });
      }
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined && client.state !== State.Stopped) {
      try {
        await client.stop();
      } catch (error) {
        this.output.warn(`stopping the server: ${describe(error)}`);
      }
    }
    this.show({ state: "stopped" });
  }

  private async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder === undefined) {
      // tapgap analyses a project: with no folder open there is nothing to report, and nothing is wrong.
      this.output.info("no folder is open: the server starts when one is");
      this.status.hide();
      return;
    }
    this.status.show();
    this.show({ state: "starting" });
    const resolution = resolveServerCommand(
      { serverPath: this.settings.serverPath, interpreter: await selectedInterpreter(folder?.uri) },
      this.environment(),
    );
    if (!resolution.ok) {
      return this.fail(resolution.missing);
    }
    const server = (this.server = resolution.server);
    const probe = await probeServer(server);
    if (!probe.ok) {
      return this.fail(probeFailure(server, probe.detail));
    }
    this.output.info(`starting ${probe.version}: ${[server.command, ...serveArgs(server)].join(" ")}`);
    this.root = folder.uri.fsPath;
    const executable: Executable = {
      command: server.command,
      args: serveArgs(server),
      options: { cwd: folder.uri.fsPath },
    };
    const client = new LanguageClient("tapgap", "tapgap", executable, this.clientOptions());
    client.onNotification(COVERAGE_CHANGED, (summary: Summary) => this.coverageChanged(client, summary));
    client.onDidChangeState((change) => {
      if (this.client !== client) {
        return;
      }
      if (change.newState === State.Stopped) {
        this.show({ state: "failed", problem: "the language server stopped; see the output" });
      } else if (change.newState === State.Running && this.state.state === "failed") {
        // The client restarted a crashed server by itself: its figures are new.
        this.show({ state: "running" });
        void this.refreshSummary(client);
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      return this.fail({
        problem: `the language server did not start (${describe(error)})`,
        fix: "See the output for what the server printed.",
      });
    }
    this.show({ state: "running" });
    await this.refreshSummary(client);
  }

  private clientOptions(): LanguageClientOptions {
    return {
      // The server watches the project itself (watchdog), so no file events are forwarded.
      documentSelector: [
        { scheme: "file", language: "sql" },
        { scheme: "file", pattern: "**/*.{pg,psql,inc}" },
      ],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // A function, so a restart sends the settings of that moment.
      initializationOptions: () => serverOptions(this.settings, this.environment()),
      middleware: {
        executeCommand: (command: string, args: unknown[], next: ExecuteCommandSignature) =>
          this.executeCommand(command, args, next),
      },
    };
  }

  private async executeCommand(
    command: string,
    args: unknown[],
    next: ExecuteCommandSignature,
  ): Promise<unknown> {
    const result: unknown = await next(command, args);
    // A code lens runs tapgap.showObject; the server answers with the object, which is shown as a list.
    if (command === SHOW_OBJECT && isObjectReport(result)) {
      await this.pick(objectItems(result), `tapgap: ${result.kind} ${result.key}`);
    }
    return result;
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration("tapgap")) {
      return;
    }
    const before = this.settings;
    this.settings = this.readSettings();
    const client = this.client;
    if (needsRestart(before, this.settings) || client === undefined || !client.isRunning()) {
      await this.restart();
      return;
    }
    await client.sendNotification("workspace/didChangeConfiguration", {
      settings: { tapgap: serverOptions(this.settings, this.environment()) },
    });
    // A new level may leave the figures as they were (no coverageChanged), but the tooltip names it.
    await this.refreshSummary(client);
  }

  private async showGaps(): Promise<void> {
    const client = this.client;
    if (client === undefined || !client.isRunning()) {
      const action = await vscode.window.showWarningMessage(
        "tapgap: the language server is not running.",
        "Restart",
        "Show output",
      );
      if (action === "Restart") {
        await this.restart();
      } else if (action === "Show output") {
        this.output.show(true);
      }
      return;
    }
    const gaps = await client.sendRequest<Gaps>(GAPS, {});
    if (gaps.count === 0) {
      await vscode.window.showInformationMessage(`tapgap: no gaps at the ${gaps.level} level.`);
      return;
    }
    await this.pick(gapItems(gaps), gapsTitle(gaps));
  }

  private async pick(items: PickItem[], title: string): Promise<void> {
    const chosen = await vscode.window.showQuickPick(items, {
      title,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (chosen !== undefined) {
      await this.reveal(chosen.target);
    }
  }

  private async reveal(target: Target): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder === undefined) {
      return;
    }
    const { start, end } = target.range;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, target.file));
    await vscode.window.showTextDocument(document, {
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
    });
  }

  private coverageChanged(client: LanguageClient, summary: Summary): void {
    if (this.client === client && this.state.state === "running") {
      this.show({ state: "running", summary, level: this.state.summary?.level ?? this.state.level });
    }
  }

  private async refreshSummary(client: LanguageClient): Promise<void> {
    try {
      const summary = await client.sendRequest<Summary>(SUMMARY);
      if (this.client === client) {
        this.show({ state: "running", summary, level: summary.level });
      }
    } catch (error) {
      this.output.warn(`tapgap/summary: ${describe(error)}`);
    }
  }

  private fail(missing: Missing): void {
    this.output.error(`${missing.problem}. ${missing.fix}`);
    this.show({ state: "failed", problem: missing.problem });
    // Not awaited: the message stays until the user closes it, and a restart must not wait for that.
    void this.offerFix(missing);
  }

  private async offerFix(missing: Missing): Promise<void> {
    const action = await vscode.window.showErrorMessage(
      `tapgap: ${missing.problem}. ${missing.fix}`,
      "Open settings",
      "Show output",
    );
    if (action === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "tapgap.serverPath");
    } else if (action === "Show output") {
      this.output.show(true);
    }
  }

  private show(state: ServerState): void {
    this.state = state;
    const view = statusView(state);
    this.status.text = view.text;
    this.status.tooltip = view.tooltip;
    this.status.command = view.command;
    this.status.backgroundColor = view.error
      ? new vscode.ThemeColor("statusBarItem.errorBackground")
      : undefined;
  }

  private readSettings(): Settings {
    const { settings, problems } = readSettings((key) => vscode.workspace.getConfiguration("tapgap").get(key));
    for (const problem of problems) {
      this.output.warn(problem);
    }
    return settings;
  }

  private environment(): Environment {
    return {
      pathVariable: process.env.PATH ?? "",
      pathExt: process.env.PATHEXT,
      platform: process.platform,
      home: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      isExecutable,
    };
  }
}

/** The Python extension's API, when it is installed and activates. */
async function pythonApi(): Promise<PythonApi | undefined> {
  const python = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  try {
    return python === undefined ? undefined : python.isActive ? python.exports : await python.activate();
  } catch {
    return undefined; // a Python extension that fails to activate is as good as none
  }
}

/** The Python extension's interpreter for the folder, else `python.defaultInterpreterPath` if set. */
async function selectedInterpreter(folder: vscode.Uri | undefined): Promise<string[] | undefined> {
  const environments = (await pythonApi())?.environments;
  const active = environments?.getActiveEnvironmentPath(folder);
  if (environments !== undefined && active !== undefined) {
    try {
      const resolved = await environments.resolveEnvironment(active);
      return [resolved?.executable.uri?.fsPath ?? active.path];
    } catch {
      return [active.path];
    }
  }
  const configured = vscode.workspace.getConfiguration("python", folder).get<string>("defaultInterpreterPath");
  // "python" is the setting's default, not a choice: PATH lookup covers it.
  return configured === undefined || configured === "" || configured === "python" ? undefined : [configured];
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isObjectReport(value: unknown): value is ObjectReport {
  return typeof value === "object" && value !== null && "key" in value && "requirements" in value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let extension: TapgapExtension | undefined;

export function activate(context: vscode.ExtensionContext): TapgapApi {
  extension = new TapgapExtension(context);
  void extension.restart();
  return extension;
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}
