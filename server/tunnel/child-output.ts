// Where the ngrok child's stdout and stderr go when the tunnel's owner does not say: this process's
// stderr by default (the headless mode's terminal). The desktop app has no console once packaged,
// so it sends them to its log file instead (electron/main.ts). The text is already redacted.
export type ChildOutputSink = (text: string, stream: 'stdout' | 'stderr') => void;

const toStderr: ChildOutputSink = (text, stream) => process.stderr.write(`[ngrok child ${stream}] ${text}`);

let sink: ChildOutputSink = toStderr;

/** Sends every later ngrok child's output to `next` (or back to stderr with null). */
export function setNgrokChildOutput(next: ChildOutputSink | null): void {
  sink = next ?? toStderr;
}

export function writeNgrokChildOutput(text: string, stream: 'stdout' | 'stderr'): void {
  sink(text, stream);
}
