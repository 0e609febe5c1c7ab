// The desktop app's log file (in app.getPath('logs')): uncaught errors, session notices, quit
// problems. Every line is scrubbed first: the ngrok authtoken (which ngrok echoes in some errors)
// and the control API's per-launch token never reach the disk. Capped: one previous file is kept.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../server/tunnel/ngrok-protocol';

export const LOG_FILE = 'main.log';
export const MAX_LOG_BYTES = 1024 * 1024;

/** Removes the known secrets, anything after "authtoken:", and `token=` query values. */
export function scrub(text: string, secrets: Iterable<string | null | undefined>): string {
  return redact(text, [...secrets]).replace(/([?&]token=)[^&\s#"']+/gi, '$1***');
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

export type LogLevel = 'info' | 'warn' | 'error';

export class ErrorLog {
  readonly path: string;
  private readonly secrets = new Set<string>();

  constructor(
    readonly directory: string,
    private readonly maxBytes = MAX_LOG_BYTES,
  ) {
    this.path = join(directory, LOG_FILE);
    const envToken = process.env.NGROK_AUTHTOKEN?.trim();
    if (envToken) this.secrets.add(envToken);
  }

  /** A value that must never be written (the authtoken, the control token). */
  addSecret(secret: string | null | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  scrub(text: string): string {
    return scrub(text, this.secrets);
  }

  /** Synchronous, so it completes even from an uncaughtException handler. Never throws. */
  write(level: LogLevel, text: string): void {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${this.scrub(text)}\n`;
    try {
      mkdirSync(this.directory, { recursive: true });
      try {
        if (statSync(this.path).size + line.length > this.maxBytes) {
          renameSync(this.path, join(this.directory, `${LOG_FILE}.1`));
        }
      } catch {
        // no file yet
      }
      appendFileSync(this.path, line, { mode: 0o600 });
    } catch {
      // A log that cannot be written must not take the app down.
    }
  }
}
