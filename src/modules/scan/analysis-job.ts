/** The queue the worker takes analyses from; one job per flow, keyed by the flow id. */
export const ANALYSIS_QUEUE = 'analysis';

export interface AnalysisJob {
  flowId: string;
}

/** Channel on which flow progress is published (pg_notify), for the live progress stream. */
export const FLOW_PROGRESS_CHANNEL = 'flow_progress';

export interface FlowProgressEvent {
  flowId: string;
  state: string;
  progress: number;
  message: string | null;
}
