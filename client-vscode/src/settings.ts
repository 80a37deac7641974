// The extension's settings and what the server is told of them: `initializationOptions` at start and
// `workspace/didChangeConfiguration` afterwards carry the same object (docs/lsp.md, "Settings from the
// client").

import * as path from "node:path";
import { type Environment, expand } from "./command";
import { LEVELS, type Level } from "./protocol";

/** `configured`: the level of tapgap.toml / [tool.tapgap] (or `normal` without one). */
export type LevelSetting = Level | "configured";

export interface Settings {
  serverPath: string;
  level: LevelSetting;
  configPath: string;
}

export interface ServerOptions {
  level: Level | null;
  configPath: string | null;
}

export interface ReadSettings {
  settings: Settings;
  /** Values that were not understood and were replaced by their default, for the output channel. */
  problems: string[];
}

/** Reads the `tapgap.*` settings through `get` (a `WorkspaceConfiguration.get` for section "tapgap"). */
export function readSettings(get: (key: string) => unknown): ReadSettings {
  const problems: string[] = [];
  const text = (key: string): string => {
    const value = get(key);
    if (value === undefined || value === null) {
      return "";
    }
    if (typeof value !== "string") {
      problems.push(`tapgap.${key} should be a string, not ${JSON.stringify(value)}: ignored`);
      return "";
    }
    return value.trim();
  };
  const levelText = text("level");
  let level: LevelSetting = "configured";
  if ((LEVELS as readonly string[]).includes(levelText)) {
    level = levelText as Level;
  } else if (levelText !== "" && levelText !== "configured") {
    problems.push(
      `tapgap.level "${levelText}" is not one of configured, ${LEVELS.join(", ")}: the configured level is used`,
    );
  }
  return { settings: { serverPath: text("serverPath"), level, configPath: text("configPath") }, problems };
}

/** What the server gets: `null` for "not set", a config path with `~` and `${workspaceFolder}` expanded. */
export function serverOptions(
  settings: Settings,
  env: Pick<Environment, "home" | "workspaceFolder" | "platform">,
): ServerOptions {
  return {
    level: settings.level === "configured" ? null : settings.level,
    configPath: settings.configPath === "" ? null : expandConfigPath(settings.configPath, env),
  };
}

/** Only the command needs a new process; the rest the running server takes on the fly. */
export function needsRestart(before: Settings, after: Settings): boolean {
  return before.serverPath !== after.serverPath;
}

function expandConfigPath(
  value: string,
  env: Pick<Environment, "home" | "workspaceFolder" | "platform">,
): string {
  // Relative to the project, as the server would take it, but explicit so the output channel shows it.
  const expanded = expand(value, env);
  const paths = env.platform === "win32" ? path.win32 : path.posix;
  return paths.isAbsolute(expanded) || env.workspaceFolder === undefined
    ? expanded
    : paths.join(env.workspaceFolder, expanded);
}
