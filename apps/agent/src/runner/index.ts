export { TaskRunner, type StatusReport, type TaskRunnerOptions, type RunnerLog } from './task-runner';
export type {
  Launcher,
  LaunchSpec,
  TaskProcess,
  ExitResult,
  ProcessHandle,
  CheckSpec,
  CheckResult,
  AdoptResult,
  StrayProcess,
} from './launcher';
export { ProcessLauncher, defaultTaskShell, resolveTaskShell, type ProcessLauncherOptions } from './process.launcher';
export { SimulatedLauncher, type SimulatedLauncherOptions } from './simulated.launcher';
export { EphemeralTaskStore, FileTaskStore, type TaskStore, type TaskRecord } from './runner-state';
export { DirectorySandboxPreparer, NoSandboxPreparer, type SandboxPreparer } from './sandbox';
export { processParts, simulatedParts, type RunnerParts } from './parts';
export { currentUser, systemUserLookup, taskUser, type TaskUserPolicy, type UserIdentity, type UserLookup } from './task-user';
export { isErrno, setUnexpectedErrorSink, unexpectedError } from './unexpected';
export { DEFAULT_FETCH_MAX_BYTES, type FetchOptions } from './uri-fetcher';
