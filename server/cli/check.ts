// `npm run check -- <mirror-url> [--api-key KEY] [--connection-details JSON] [--timeout S] [--json]`:
// grades any mirror, local or remote, against the protocol (mirror-api.md) as StackState would
// exercise it (check-run.ts). Exit 0 when nothing failed, 1 otherwise (or when nothing answers), 2
// for bad options.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Check, type CheckOptions, runChecks } from '../check/check-run';

export const CHECK_USAGE = `Usage: npm run check -- <mirror-url> [options]

Sends a mirror the requests StackState sends (Test Connection, field names and values, raw and
aggregated metrics with each of the 14 methods, conditions, bad input) and grades every answer
against the StackState mirror protocol.

Options:
  --api-key KEY               the Api Key you will paste into StackState (checked on every answer)
  --connection-details JSON   the "Connection details JSON" StackState will send (default {})
  --timeout S                 seconds to wait for each answer (default 15, StackState's UI time-out)
  --json                      one JSON object: { checks: [{ id, title, status, detail }], summary }
  -h, --help                  this help`;

export interface CheckCliOptions extends CheckOptions {
  url: string;
  json: boolean;
}

export function parseCheckArgs(argv: string[]): CheckCliOptions | { error: string } | { help: true } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { error: `${(error as Error).message}. See --help.` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1)
    return { error: 'Give one mirror URL, e.g. npm run check -- http://127.0.0.1:7007/' };
  const url = positionals[0]!;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    return { error: `The mirror URL must be an http:// or https:// address, not ${JSON.stringify(url)}.` };
  let connectionDetails: Record<string, unknown> = {};
  if (values['connection-details'] !== undefined) {
    let details: unknown;
    try {
      details = JSON.parse(values['connection-details']);
    } catch {
      return { error: '--connection-details must be JSON, e.g. {} or {"url":"http://…"}.' };
    }
    if (typeof details !== 'object' || details === null || Array.isArray(details))
      return { error: '--connection-details must be a JSON object, e.g. {}.' };
    connectionDetails = details as Record<string, unknown>;
  }
  const seconds = values.timeout === undefined ? 15 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    return {
      error: `--timeout must be a number of seconds from 0.1 to 600, not ${JSON.stringify(values.timeout)}.`,
    };
  return {
    url,
    apiKey: values['api-key'] ?? null,
    connectionDetails,
    timeoutMillis: Math.round(seconds * 1000),
    json: values.json ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      'connection-details': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

const MARK: Record<Check['status'], string> = { pass: 'pass', fail: 'FAIL', warn: 'warn' };

export function checkText(
  url: string,
  checks: readonly Check[],
  summary: Record<Check['status'], number>,
): string {
  const lines = [`Checking the mirror at ${url} against the StackState mirror protocol:`, ''];
  for (const check of checks)
    lines.push(`${MARK[check.status]}  ${check.title} [${check.id}]`, `      ${check.detail}`);
  lines.push(
    '',
    `${summary.pass} passed, ${summary.fail} failed, ${summary.warn} warned.` +
      (summary.fail === 0
        ? ' StackState should be able to use this mirror.'
        : ' StackState would stumble over the failures above.'),
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const options = parseCheckArgs(argv);
  if ('help' in options) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  if ('error' in options) {
    process.stderr.write(`${options.error}\n`);
    return 2;
  }
  const report = await runChecks(options.url, options);
  if (!report.reachable) {
    if (options.json) process.stdout.write(`${JSON.stringify({ error: report.message })}\n`);
    else process.stderr.write(`${report.message}\n`);
    return 1;
  }
  const { checks, summary } = report;
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ checks, summary })}\n`
      : `${checkText(options.url, checks, summary)}\n`,
  );
  return summary.fail === 0 ? 0 : 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`Unexpected failure: ${error.message}\n`);
      process.exit(1);
    },
  );
}
