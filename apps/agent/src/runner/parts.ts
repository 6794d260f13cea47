import type { Launcher } from './launcher';
import { ProcessLauncher, type ProcessLauncherOptions } from './process.launcher';
import { EphemeralTaskStore, FileTaskStore, type TaskStore } from './runner-state';
import { DirectorySandboxPreparer, NoSandboxPreparer, type SandboxPreparer } from './sandbox';
import { SimulatedLauncher, type SimulatedLauncherOptions } from './simulated.launcher';
import type { FetchOptions } from './uri-fetcher';

/** What differs between a real and a simulated agent's runner; everything else is shared (DESIGN.md "agent"). */
export interface RunnerParts {
  launcher: Launcher;
  store: TaskStore;
  sandboxes: SandboxPreparer;
}

/** A real agent: processes, task records under `<workDir>/runner/tasks`, sandboxes on disk. */
export function processParts(workDir: string, opts: ProcessLauncherOptions & { fetch?: Omit<FetchOptions, 'signal'> } = {}): RunnerParts {
  const { fetch, ...launcher } = opts;
  return {
    launcher: new ProcessLauncher(launcher),
    store: new FileTaskStore(workDir),
    sandboxes: new DirectorySandboxPreparer(fetch ? { fetch } : {}),
  };
}

/** A simulated agent: no process, no file, nothing that outlives the runner. */
export function simulatedParts(opts: SimulatedLauncherOptions): RunnerParts {
  return { launcher: new SimulatedLauncher(opts), store: new EphemeralTaskStore(), sandboxes: new NoSandboxPreparer() };
}
