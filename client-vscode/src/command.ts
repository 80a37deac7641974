// Which command starts `tapgap serve`: the `tapgap.serverPath` setting, else `tapgap` on PATH, else
// `python -m tapgap` with the selected interpreter. Pure apart from the file checks it is handed, so each
// fallback is testable without an editor.

import * as path from "node:path";

export interface ServerCommand {
  command: string;
  /** Arguments before tapgap's own (`-m tapgap` for an interpreter). */
  prefix: string[];
  /** Why this command: shown in the output channel and in errors. */
  source: "setting" | "path" | "interpreter";
}

export interface Missing {
  /** What is wrong, in one sentence. */
  problem: string;
  /** What the user can do about it. */
  fix: string;
}

export type Resolution = { ok: true; server: ServerCommand } | { ok: false; missing: Missing };

export interface Environment {
  /** The PATH variable's value. */
  pathVariable: string;
  platform: NodeJS.Platform;
  /** PATHEXT on Windows: the extensions an executable may have. */
  pathExt?: string;
  home: string;
  /** The first workspace folder, for relative paths and `${workspaceFolder}`. */
  workspaceFolder?: string;
  /** Whether a file exists and may be run. */
  isExecutable: (file: string) => boolean;
}

export interface ResolveInput {
  /** `tapgap.serverPath`; empty means unset. */
  serverPath: string;
  /** The selected Python interpreter as a command (it may carry arguments, e.g. `conda run`); without one,
   * `python3` or `python` from PATH. */
  interpreter?: readonly string[];
}

/** The arguments that start the language server on stdio. */
export function serveArgs(server: ServerCommand): string[] {
  return [...server.prefix, "serve"];
}

/** The arguments that only print tapgap's version: a cheap check that the command runs tapgap at all. */
export function versionArgs(server: ServerCommand): string[] {
  return [...server.prefix, "--version"];
}

export function resolveServerCommand(input: ResolveInput, env: Environment): Resolution {
  const setting = input.serverPath.trim();
  if (setting !== "") {
    // A path the user set is used or reported, never silently replaced by another tapgap.
    const found = findExecutable(expand(setting, env), env);
    if (found === undefined) {
      return {
        ok: false,
        missing: {
          problem: `tapgap.serverPath is "${setting}", which is not an executable file`,
          fix: "Point the setting tapgap.serverPath at the tapgap executable (e.g. .venv/bin/tapgap), or clear it to use tapgap from PATH.",
        },
      };
    }
    return { ok: true, server: { command: found, prefix: [], source: "setting" } };
  }
  const onPath = findExecutable("tapgap", env);
  if (onPath !== undefined) {
    return { ok: true, server: { command: onPath, prefix: [], source: "path" } };
  }
  // Without a selected interpreter, the one a terminal would run: whether it has tapgap, the probe tells.
  const interpreter = input.interpreter?.filter((part) => part !== "") ?? systemPython(env);
  if (interpreter.length > 0) {
    const [python, ...rest] = interpreter as [string, ...string[]];
    return {
      ok: true,
      server: { command: python, prefix: [...rest, "-m", "tapgap"], source: "interpreter" },
    };
  }
  return {
    ok: false,
    missing: {
      problem: "tapgap is not on PATH and there is no Python interpreter to run it with",
      fix: "Install tapgap (pip install tapgap) into a Python environment and select it with \"Python: Select Interpreter\", or set tapgap.serverPath to the tapgap executable.",
    },
  };
}

function systemPython(env: Environment): string[] {
  const found = findExecutable("python3", env) ?? findExecutable("python", env);
  return found === undefined ? [] : [found];
}

/** The message for a server command that was found but does not run tapgap (the `--version` probe failed). */
export function probeFailure(server: ServerCommand, detail: string): Missing {
  const shown = [server.command, ...server.prefix].join(" ");
  const reason = detail.trim().split("\n").filter(Boolean).pop() ?? "it exited with an error";
  if (server.source === "interpreter") {
    return {
      problem: `The selected Python interpreter cannot run tapgap (${shown}: ${reason})`,
      fix: `Install tapgap into that interpreter (${server.command} -m pip install tapgap), select another interpreter with "Python: Select Interpreter", or set tapgap.serverPath.`,
    };
  }
  return {
    problem: `${shown} does not run (${reason})`,
    fix:
      server.source === "setting"
        ? "Point the setting tapgap.serverPath at a working tapgap executable, or clear it."
        : "Reinstall tapgap (pip install --force-reinstall tapgap), or set tapgap.serverPath to a working one.",
  };
}

/** `~` and `${workspaceFolder}` expanded; a relative path with a separator is taken from the workspace. */
export function expand(value: string, env: Pick<Environment, "home" | "workspaceFolder" | "platform">): string {
  const folder = env.workspaceFolder;
  let text = value.replace(/\$\{workspaceFolder\}/g, folder ?? "${workspaceFolder}");
  if (text === "~" || text.startsWith("~/") || text.startsWith("~\\")) {
    text = env.home + text.slice(1);
  }
  const paths = env.platform === "win32" ? path.win32 : path.posix;
  if (hasSeparator(text, env.platform) && !paths.isAbsolute(text) && folder !== undefined) {
    text = paths.join(folder, text);
  }
  return text;
}

/** A bare name is looked up on PATH (with PATHEXT on Windows); a path is checked as it is. */
export function findExecutable(name: string, env: Environment): string | undefined {
  const windows = env.platform === "win32";
  const extensions = windows
    ? ["", ...(env.pathExt ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)]
    : [""];
  const withExtensions = (base: string): string | undefined =>
    extensions.map((ext) => base + ext).find((file) => env.isExecutable(file));
  if (hasSeparator(name, env.platform)) {
    return withExtensions(name);
  }
  const paths = windows ? path.win32 : path.posix;
  for (const dir of env.pathVariable.split(windows ? ";" : ":")) {
    if (dir === "") {
      continue; // an empty entry means the current folder, which an editor's is not
    }
    const found = withExtensions(paths.join(dir, name));
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function hasSeparator(text: string, platform: NodeJS.Platform): boolean {
  return text.includes("/") || (platform === "win32" && text.includes("\\"));
}
