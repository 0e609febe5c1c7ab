// The guided checklist: the tutorial's steps, ticked from what the mirror has seen. Pure.
import type { SessionState } from './contract';

/** A piece of a step's text: plain words, or the name of something to click or fill in StackState. */
export type Segment = string | { ui: string };

export type StepStatus = 'done' | 'current' | 'todo';

export interface ChecklistStep {
  id: 'mirror' | 'tunnel' | 'dataSource' | 'stream' | 'cleanup';
  title: string;
  status: StepStatus;
  /** Where to click, as text and UI names. */
  how: Segment[];
  /** Finer ticks inside a step (the stream's field lookup and metric query). */
  parts?: Array<{ label: string; done: boolean }>;
}

const path = (...names: string[]): Segment[] =>
  names.flatMap((name, i) => (i === 0 ? [{ ui: name }] : [' → ', { ui: name }]));

export function checklist(state: SessionState): ChecklistStep[] {
  const m = state.milestones;
  const noTunnel = state.tunnel.kind === 'none';
  const fieldsLooked = m.firstFieldLookup !== null;
  const metricQueried = m.firstMetricQuery !== null;

  const steps: Array<Omit<ChecklistStep, 'status'> & { done: boolean }> = [
    {
      id: 'mirror',
      title: 'Mirror running',
      done: m.mirrorRunning !== null && state.mirror.port !== null,
      how: [
        'The app starts the mirror for you; it serves StackState ',
        { ui: state.dataSource.description },
        '.',
      ],
    },
    {
      id: 'tunnel',
      title: noTunnel ? 'Reached from StackState in Docker' : 'Tunnel online',
      // Milestones keep the first time; a tunnel that failed or was dropped since is not "online".
      // With no tunnel nothing can be checked from here: it ticks once a request from elsewhere arrives.
      done: noTunnel
        ? m.firstRemoteRequest !== null && state.mirror.port !== null
        : m.tunnelOnline !== null && state.phase !== 'tunnel-error' && state.phase !== 'local',
      how: noTunnel
        ? [
            'StackState in Docker calls the mirror at ',
            { ui: 'host.docker.internal' },
            '. This ticks when its first request arrives.',
          ]
        : state.settings.hasAuthtoken
          ? ['ngrok gives the mirror a public URL that StackState can call.']
          : ['Paste your ngrok authtoken above so StackState can reach the mirror over the internet.'],
    },
    {
      id: 'dataSource',
      title: 'Data source added in StackState',
      done: m.firstTestConnection !== null,
      how: [
        'In StackState: ',
        ...path('Settings', 'Telemetry Sources', 'Mirror sources', 'ADD MIRROR SOURCE'),
        '. Give it a ',
        { ui: 'Name' },
        ', paste ',
        { ui: 'Mirror URL' },
        ', ',
        { ui: 'Api Key' },
        ' and ',
        { ui: 'Connection details JSON' },
        ' from above, click ',
        { ui: 'TEST CONNECTION' },
        ', then ',
        { ui: 'SAVE' },
        '. This ticks when the Test Connection arrives.',
      ],
    },
    {
      id: 'stream',
      title: 'Stream added',
      done: fieldsLooked && metricQueried,
      how: [
        'Open a component → its details panel → ',
        ...path('Telemetry', 'ADD NEW STREAM'),
        '. Name it, pick the mirror data source, add ',
        { ui: 'Filters' },
        state.dataSource.exampleFilter ? ` (e.g. ${state.dataSource.exampleFilter}), choose ` : ', choose ',
        { ui: 'Select' },
        ' a metric "by" an aggregation, check the preview, then ',
        { ui: 'SAVE' },
        '.',
      ],
      parts: [
        { label: 'Filters looked up (field names or values)', done: fieldsLooked },
        { label: 'Metric queried (preview chart)', done: metricQueried },
      ],
    },
    {
      id: 'cleanup',
      title: 'Clean up when you are done',
      done: state.lastCleanup !== null,
      how: [
        'Press ',
        { ui: 'Stop & clean up' },
        ' here, then remove the stream and the Mirror data source in StackState.',
      ],
    },
  ];

  let currentFound = false;
  return steps.map(({ done, ...step }) => {
    let status: StepStatus = 'todo';
    if (done) status = 'done';
    else if (!currentFound) {
      status = 'current';
      currentFound = true;
    }
    return { ...step, status };
  });
}

/** A step's instructions as one line of text (for tests, tooltips and screen readers). */
export function stepText(step: Pick<ChecklistStep, 'how'>): string {
  return step.how.map((segment) => (typeof segment === 'string' ? segment : segment.ui)).join('');
}
