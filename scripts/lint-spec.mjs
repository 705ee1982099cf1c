// Lints openapi.yaml with Redocly (redocly.yaml): fails on any error AND any warning.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npx', ['--no-install', 'redocly', 'lint', 'openapi.yaml', '--format=json'], {
  encoding: 'utf8',
  // No usage telemetry and no update check from CI.
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  process.stderr.write(run.stdout + run.stderr);
  process.exit(1);
}
const { errors, warnings, ignored } = report.totals;
for (const problem of report.problems) {
  const where = problem.location?.[0]?.pointer ?? '';
  console.error(`${problem.severity} ${problem.ruleId}: ${problem.message} ${where}`);
}
console.log(`spec lint: ${errors} errors, ${warnings} warnings (${ignored} documented exceptions in .redocly.lint-ignore.yaml)`);
process.exit(errors + warnings === 0 ? 0 : 1);
