import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Why a command cannot be started, with the exit code a shell gives for it. */
export type CommandProblem = { readonly reason: 'command not found'; readonly exitCode: 127 } | { readonly reason: 'not executable'; readonly exitCode: 126 };

const NOT_FOUND = { reason: 'command not found', exitCode: 127 } as const;
const NOT_EXECUTABLE = { reason: 'not executable', exitCode: 126 } as const;

/**
 * Looks the command up as exec does (a name with a `/` as it is, any other on PATH), so that
 * a command that cannot be started is reported with its reason rather than as an exit code.
 */
export function findCommand(command: string, env: NodeJS.ProcessEnv): { path: string } | CommandProblem {
  const candidates = command.includes('/') ? [command] : (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).map((dir) => join(dir || '.', command));
  let problem: CommandProblem = NOT_FOUND;
  for (const path of candidates) {
    try {
      if (!statSync(path).isFile()) {
        problem = NOT_EXECUTABLE;
        continue;
      }
      accessSync(path, constants.X_OK);
      return { path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') problem = NOT_EXECUTABLE;
    }
  }
  return problem;
}

let launcher: readonly string[] | undefined;

/**
 * What the application is started through so that it dies with the service, even when the
 * service is killed with SIGKILL: `setpriv --pdeathsig SIGKILL --` where util-linux's
 * setpriv is installed (BusyBox's has no --pdeathsig); otherwise nothing.
 */
export function deathSignalLauncher(env: NodeJS.ProcessEnv): readonly string[] {
  if (launcher) return launcher;
  const setpriv = findCommand('setpriv', env);
  const help = 'path' in setpriv ? spawnSync(setpriv.path, ['--help'], { encoding: 'utf8', timeout: 2000 }) : undefined;
  launcher = help?.stdout?.includes('--pdeathsig') && 'path' in setpriv ? [setpriv.path, '--pdeathsig', 'SIGKILL', '--'] : [];
  return launcher;
}
