// The incident simulator (demo profile only): make one host's metric spike for a while, so
// StackState's charts and monitors have something to show.
import { type IncidentRequest, ROUTES, type SessionState } from '../lib/contract';
import { formatTimestamp } from '../lib/time-format';
import type { AppContext, View } from './context';
import { fill, h, show, uniqueId } from './dom';
import { InlineMessage, runFrom } from './widgets';

type Incident = SessionState['incidents'][number];

export class IncidentsPanel implements View {
  readonly el: HTMLElement;
  readonly #host: HTMLSelectElement;
  readonly #metric: HTMLSelectElement;
  readonly #duration: HTMLInputElement;
  readonly #factor: HTMLSelectElement;
  readonly #start: HTMLButtonElement;
  readonly #endAll: HTMLButtonElement;
  readonly #list = h('ul', { class: 'incidents', 'data-testid': 'incident-list' });
  readonly #none = h('p', { class: 'muted' }, 'No incident running.');
  readonly #message = new InlineMessage();
  #catalogKey = '';
  #listKey = '';

  constructor(private readonly ctx: AppContext) {
    const hostId = uniqueId('host');
    const metricId = uniqueId('metric');
    const durationId = uniqueId('duration');
    const factorId = uniqueId('factor');
    this.#host = h('select', { id: hostId, 'data-testid': 'incident-host' });
    this.#metric = h('select', { id: metricId, 'data-testid': 'incident-metric' });
    this.#duration = h('input', {
      id: durationId,
      type: 'number',
      min: '1',
      max: '1440',
      value: '15',
      inputMode: 'numeric',
    });
    this.#factor = h(
      'select',
      { id: factorId },
      ...[2, 3, 5, 10].map((f) => h('option', { value: String(f), selected: f === 3 }, `${f}× normal`)),
    );
    this.#start = h('button', { type: 'submit', class: 'primary', text: 'Start incident' });
    this.#endAll = h('button', {
      type: 'button',
      text: 'End all',
      'data-testid': 'end-incidents',
      onclick: () =>
        runFrom(
          this.#endAll,
          'Ending…',
          async () => this.ctx.applyState(await this.ctx.api.delete(ROUTES.incidents)),
          (message) => this.#message.show(message, 'error'),
        ),
    });
    const form = h(
      'form',
      { class: 'card stack', onsubmit: (event: Event) => this.#submit(event) },
      h('h2', null, 'Simulate an incident'),
      h(
        'p',
        { class: 'muted small' },
        'One host’s metric runs higher than normal for a while: StackState’s charts and monitors see it on their next poll.',
      ),
      h(
        'div',
        { class: 'grid-2' },
        h('div', { class: 'stack' }, h('label', { for: hostId }, 'Host'), this.#host),
        h('div', { class: 'stack' }, h('label', { for: metricId }, 'Metric'), this.#metric),
        h('div', { class: 'stack' }, h('label', { for: durationId }, 'Duration (minutes)'), this.#duration),
        h('div', { class: 'stack' }, h('label', { for: factorId }, 'Strength'), this.#factor),
      ),
      h('div', { class: 'actions' }, this.#start),
      this.#message.el,
    );
    this.el = h(
      'div',
      { class: 'incidents-panel' },
      form,
      h(
        'section',
        { class: 'card stack', 'aria-labelledby': 'active-title' },
        h('h2', { id: 'active-title' }, 'Running incidents'),
        this.#none,
        this.#list,
        h('div', { class: 'actions' }, this.#endAll),
      ),
    );
  }

  update(state: SessionState): void {
    const { dimensions, metrics } = state.catalog;
    const hosts = dimensions.host ?? [];
    const key = JSON.stringify([hosts, metrics]);
    if (key !== this.#catalogKey) {
      this.#catalogKey = key;
      fillSelect(this.#host, hosts);
      fillSelect(this.#metric, metrics);
    }
    this.#start.disabled = state.mirror.port === null || hosts.length === 0;
    this.#renderList(state.incidents);
  }

  /** The state lists the running incidents only: the session sends a new state when one ends. */
  #renderList(active: Incident[]): void {
    const key = JSON.stringify(active.map((i) => i.id));
    show(this.#none, active.length === 0);
    this.#endAll.disabled = active.length === 0;
    if (key === this.#listKey) return;
    this.#listKey = key;
    fill(
      this.#list,
      ...active.map((incident) => {
        const series = Object.entries(incident.series)
          .map(([field, value]) => `${field} = ${value}`)
          .join(', ');
        return h(
          'li',
          null,
          h('b', null, incident.metric),
          ` on ${series}, ${incident.factor}× normal, until ${formatTimestamp(incident.startMillis + incident.durationMillis, { now: Date.now() })}`,
        );
      }),
    );
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    this.#message.clear();
    const minutes = Number(this.#duration.value);
    if (!(minutes > 0 && minutes <= 1440)) {
      this.#message.show('Duration must be between 1 and 1440 minutes.', 'error');
      return;
    }
    const request: IncidentRequest = {
      series: { host: this.#host.value },
      metric: this.#metric.value,
      durationMinutes: minutes,
      factor: Number(this.#factor.value),
    };
    await runFrom(
      this.#start,
      'Starting…',
      async () => {
        this.ctx.applyState(await this.ctx.api.post(ROUTES.incidents, request));
        this.ctx.announce(`Incident started: ${request.metric} on host ${request.series.host}.`, 'ok');
      },
      (message) => this.#message.show(message, 'error'),
    );
  }
}

function fillSelect(select: HTMLSelectElement, values: string[]): void {
  const previous = select.value;
  fill(select, ...values.map((value) => h('option', { value }, value)));
  if (values.includes(previous)) select.value = previous;
}
