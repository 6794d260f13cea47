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
} from './launcher';
export { ProcessLauncher, type ProcessLauncherOptions } from './process.launcher';
export { SimulatedLauncher, type SimulatedLauncherOptions } from './simulated.launcher';
