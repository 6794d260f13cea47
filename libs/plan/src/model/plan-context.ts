/** What status computations need from outside the plan (the plan model itself is `@marshal/contracts`' plan-model). */
export interface PlanContext {
  /**
   * Whether a task instance (`hello-0-server`) has an active back-off delay now (reference §1.6.3).
   * Absent: no delay is ever active, as with back-off disabled, so DELAYED steps report PENDING.
   */
  delayActive?: (taskName: string) => boolean;
  /** Random source in [0, 1) for the random strategy. Absent: the first eligible child is picked. */
  random?: () => number;
}
