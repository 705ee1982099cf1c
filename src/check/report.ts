import type { CheckResult, NvcfCheckReport } from './types.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line: the outcome, the check, what was expected, what came, how long it took. */
export function checkLine(check: CheckResult): string {
  return `${MARK[check.outcome]} ${check.name}: expected ${check.expected}; got ${check.got} (${check.ms} ms)`;
}

/** What follows the check lines: warnings, the summary, and on failure the command's output. */
export function reportTail(report: NvcfCheckReport): string {
  const count = (outcome: CheckResult['outcome']) => report.checks.filter((c) => c.outcome === outcome);
  const failed = count('fail');
  const lines = report.warnings.map((w) => `WARN ${w}`);
  lines.push(
    `${report.passed ? 'passed' : 'FAILED'}: ${count('pass').length} passed, ${failed.length} failed${failed.length ? ` (${failed.map((c) => c.name).join(', ')})` : ''}, ` +
      `${count('skip').length} skipped, ${report.warnings.length} warning(s), in ${(report.ms / 1000).toFixed(1)} s against ${report.baseUrl}`,
  );
  if (!report.passed && report.command) {
    // Its arguments are left out: they may carry a token.
    lines.push(`--- output of ${report.command.file} ---`, report.command.output || '(no output)', '--- end of output ---');
  }
  return `${lines.join('\n')}\n`;
}
