// What every view gets: the API, the latest state, and a few app-wide actions.
import type { SessionState } from '../lib/contract';
import type { EntryList } from '../lib/entry-list';
import type { Tone } from '../lib/format';
import type { ControlApi } from './api';

export type TabId = 'setup' | 'requests' | 'incidents' | 'check' | 'settings';

export interface AppContext {
  api: ControlApi;
  entries: EntryList;
  /** The latest state; null until the stream has sent one. */
  readonly state: SessionState | null;
  /** Shows a state an action returned, when the stream cannot (it is down); else the stream's is newer. */
  applyState(state: SessionState): void;
  /** A short message in the polite live region (and the toast). */
  announce(message: string, tone?: Tone): void;
  showTab(tab: TabId, focus?: boolean): void;
  /** Opens the ngrok authtoken form (Setup tab), e.g. to replace a rejected token. */
  askForAuthtoken(): void;
  openCleanup(): void;
}

export interface View {
  readonly el: HTMLElement;
  update(state: SessionState): void;
}
