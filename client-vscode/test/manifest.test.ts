// The manifest VS Code reads, the esbuild bundle and the packaged .vsix (built here with vsce, as CI does).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { before, test } from "node:test";
import * as yauzl from "yauzl";
import { tempDir } from "./helpers";

const root = path.resolve(__dirname, "..", "..");

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { type: string; default: unknown; enum?: string[] }> };
  };
  dependencies: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;

/** The modules a bundle loads at run time that are neither `vscode` nor part of node. */
function outsideRequires(bundle: string): string[] {
  const builtins = new Set(builtinModules);
  const required = [...bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1] ?? "");
  return [...new Set(required)].filter(
    (name) => name !== "vscode" && !builtins.has(name.replace(/^node:/, "")),
  );
}

function readVsix(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error !== null) {
        return reject(error);
      }
      const entries = new Map<string, Buffer>();
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError !== null) {
            return reject(streamError);
          }
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

let vsix: Map<string, Buffer>;

before(async () => {
  const out = path.join(tempDir("vsix"), "tapgap.vsix");
  const vsce = path.join(root, "node_modules", ".bin", "vsce");
  execFileSync(vsce, ["package", "--no-dependencies", "--out", out], { cwd: root, stdio: "pipe" });
  vsix = await readVsix(out);
});

test("the extension activates on workspaces with SQL files, a tapgap.toml, or an open SQL document", () => {
  assert.deepEqual(manifest.activationEvents, [
    "workspaceContains:**/*.sql",
    "workspaceContains:tapgap.toml",
    "onLanguage:sql",
  ]);
  assert.equal(manifest.main, "./dist/extension.js");
});

test("the manifest contributes the settings with their types and defaults", () => {
  const properties = manifest.contributes.configuration.properties;
  assert.deepEqual(
    Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, [value.type, value.default]])),
    {
      "tapgap.serverPath": ["string", ""],
      "tapgap.level": ["string", "configured"],
      "tapgap.configPath": ["string", ""],
      "tapgap.trace.server": ["string", "off"],
    },
  );
  assert.deepEqual(properties["tapgap.level"]?.enum, ["configured", "lenient", "normal", "strict"]);
  assert.deepEqual(properties["tapgap.trace.server"]?.enum, ["off", "messages", "verbose"]);
});

test("the manifest contributes the three commands, shown as 'tapgap: ...'", () => {
  assert.deepEqual(
    manifest.contributes.commands.map((item) => [item.command, `${item.category}: ${item.title}`]),
    [
      ["tapgap.showGaps", "tapgap: Show gaps"],
      ["tapgap.restartServer", "tapgap: Restart server"],
      ["tapgap.showOutput", "tapgap: Show output"],
    ],
  );
});

test("the esbuild bundle requires nothing but vscode and node's own modules", () => {
  const bundle = fs.readFileSync(path.join(root, "dist", "extension.js"), "utf8");
  assert.deepEqual(outsideRequires(bundle), []);
  // The language client is inside it, not loaded from node_modules.
  assert.match(bundle, /vscode-languageclient|LanguageClient/);
  assert.deepEqual(outsideRequires('require("vscode"); require("node:fs"); require("semver")'), ["semver"]);
});

test("the .vsix holds the manifest, the readme, the licence and the bundle, and no node_modules", () => {
  const names = [...vsix.keys()].sort();
  for (const expected of [
    "extension.vsixmanifest",
    "[Content_Types].xml",
    "extension/package.json",
    "extension/dist/extension.js",
    "extension/readme.md",
    "extension/LICENSE.txt",
  ]) {
    assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
  }
  assert.deepEqual(
    names.filter((name) => /node_modules|\/src\/|\/test\/|\.map$|tsconfig|esbuild/.test(name)),
    [],
  );
});

test("the packaged manifest and bundle are the ones tested here", () => {
  const packaged = JSON.parse(vsix.get("extension/package.json")?.toString("utf8") ?? "{}") as Manifest;
  assert.deepEqual(packaged.activationEvents, manifest.activationEvents);
  assert.deepEqual(packaged.contributes, manifest.contributes);
  assert.deepEqual(Object.keys(packaged.dependencies), ["vscode-languageclient"]);
  const bundle = vsix.get("extension/dist/extension.js")?.toString("utf8") ?? "";
  assert.ok(bundle.length > 10_000, "the bundle carries the language client");
  assert.deepEqual(outsideRequires(bundle), []);
  const xml = vsix.get("extension.vsixmanifest")?.toString("utf8") ?? "";
  assert.match(xml, new RegExp(`Microsoft\\.VisualStudio\\.Code.*${manifest.engines.vscode.replace("^", "\\^")}`, "s"));
});
