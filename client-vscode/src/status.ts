// The status-bar item: overall coverage from `tapgap/summary` and `tapgap/coverageChanged`, or the
// server's state while there is none.

import type { Level, Summary } from "./protocol";

export type ServerState =
  | { state: "starting" }
  | { state: "running"; summary?: Summary; level?: Level }
  | { state: "failed"; problem: string }
  | { state: "stopped" };

export interface StatusView {
  text: string;
  tooltip: string;
  /** The command a click runs. */
  command: "tapgap.showGaps" | "tapgap.showOutput" | "tapgap.restartServer";
  error: boolean;
}

export function statusView(state: ServerState): StatusView {
  switch (state.state) {
    case "starting":
      return {
        text: "$(sync~spin) tapgap",
        tooltip: "tapgap: starting the language server",
        command: "tapgap.showOutput",
        error: false,
      };
    case "stopped":
      return {
        text: "$(circle-slash) tapgap",
        tooltip: "tapgap: the language server is stopped. Click to restart it.",
        command: "tapgap.restartServer",
        error: false,
      };
    case "failed":
      return {
        text: "$(error) tapgap",
        tooltip: `tapgap: ${state.problem}\n\nClick to show the output.`,
        command: "tapgap.showOutput",
        error: true,
      };
    case "running": {
      if (state.summary === undefined) {
        return {
          text: "$(beaker) tapgap",
          tooltip: "tapgap: analysing the project",
          command: "tapgap.showOutput",
          error: false,
        };
      }
      return {
        text: `$(beaker) tapgap ${percent(state.summary.total.percent)}`,
        tooltip: coverageTooltip(state.summary, state.summary.level ?? state.level),
        command: "tapgap.showGaps",
        error: false,
      };
    }
  }
}

function coverageTooltip(summary: Summary, level: Level | undefined): string {
  const { total } = summary;
  const at = level === undefined ? "" : ` at the ${level} level`;
  const lines = [
    `pgTAP coverage${at}: ${total.covered} of ${total.requirements} requirements`,
    "",
    ...summary.kinds
      .filter((kind) => kind.requirements > 0)
      .map((kind) => `${kind.kind}: ${percent(kind.percent)} (${kind.covered}/${kind.requirements})`),
    "",
    "Click to list the gaps.",
  ];
  return lines.join("\n");
}

function percent(value: number): string {
  return `${value.toFixed(1)}%`;
}
