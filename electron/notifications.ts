// Which desktop notifications a state change deserves, as a pure function of the previous and the
// next session state: StackState's first connection, and the tunnel failing. main.ts shows them.
import type { SessionState } from '../server/contract/contract';

export interface DesktopNotice {
  title: string;
  body: string;
}

export function noticesFor(previous: SessionState | null, next: SessionState): DesktopNotice[] {
  const notices: DesktopNotice[] = [];
  const firstContact = next.milestones.firstTestConnection;
  if (previous !== null && previous.milestones.firstTestConnection === null && firstContact !== null) {
    const where = next.tunnel.publicUrl ?? next.connection.mirrorUrl;
    notices.push({
      title: 'StackState connected',
      body: `StackState reached the mirror${where ? ` at ${where}` : ''} (Test Connection).`,
    });
  }
  if (next.phase === 'tunnel-error' && previous?.phase !== 'tunnel-error') {
    notices.push({ title: 'The tunnel failed', body: next.message });
  }
  return notices;
}
