// How `npm run check` sums up its verdicts: one check per protocol rule (server/protocol/rules.ts),
// with the worst verdict any answer got for it, and the request that earned it.
import { RULES, type RuleId, type Verdict } from '../protocol/rules';

export interface Check {
  id: RuleId;
  title: string;
  status: 'pass' | 'fail' | 'warn';
  detail: string;
}

/** A verdict and the request it came from. */
export interface Noted extends Verdict {
  what: string;
}

/** One check per rule: its worst verdict, and where it came from. */
export function summarise(noted: readonly Noted[]): {
  checks: Check[];
  summary: { pass: number; fail: number; warn: number };
} {
  const checks: Check[] = [];
  for (const [id, rule] of Object.entries(RULES) as [RuleId, (typeof RULES)[RuleId]][]) {
    const mine = noted.filter((n) => n.rule === id);
    const worst = mine.find((n) => n.status === 'fail') ?? mine.find((n) => n.status === 'warn');
    const count = mine.filter((n) => n.status === (worst?.status ?? 'pass')).length;
    const protocol = `The protocol asks ${rule.asks}; StackState cares because ${rule.why}.`;
    if (mine.length === 0) {
      checks.push({
        id,
        title: rule.title,
        status: 'warn',
        detail: `Not exercised: no answer could be checked for it. ${protocol}`,
      });
    } else if (worst) {
      checks.push({
        id,
        title: rule.title,
        status: worst.status,
        detail: `Sent ${worst.what}; got ${worst.got}${count > 1 ? ` (and ${count - 1} more like it)` : ''}. ${protocol}`,
      });
    } else {
      checks.push({
        id,
        title: rule.title,
        status: 'pass',
        detail: `${mine.length} ${mine.length === 1 ? 'answer' : 'answers'} checked, e.g. ${mine[0]!.what}: ${mine[0]!.got}.`,
      });
    }
  }
  const summary = { pass: 0, fail: 0, warn: 0 };
  for (const check of checks) summary[check.status]++;
  return { checks, summary };
}
