// The mirror's port is taken: by what (where the OS says, port-holder.ts), and one sentence that
// says what the user can do about it. "Stop the other mirror" is not offered as a button: another
// StackState Mirror Tray can be recognised (it answers its own `GET /`), but not stopped cleanly
// from here (its control API needs its own per-launch token), and the OS does not always name its
// process; so the sentence says where to stop it instead.
import type { PortBusy } from '../contract/contract';
import { findPortHolder, holderPhrase } from '../port-holder';

export async function portBusy(port: number): Promise<PortBusy> {
  const holder = await findPortHolder(port);
  return { port, holder: holder.program, command: holder.command, heldByThisApp: holder.isThisApp };
}

export function portBusyMessage(busy: PortBusy): string {
  const by = holderPhrase({ program: busy.holder, isThisApp: busy.heldByThisApp });
  const stop = busy.heldByThisApp
    ? 'stop that one (Quit in its tray, or Ctrl+C where it was started) and Start again'
    : 'stop that program and Start again';
  return `Port ${busy.port} is already in use${by}. Use a free port, ${stop}, or choose a port in Settings or with --port <n>.`;
}
