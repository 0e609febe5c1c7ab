// The three values StackState's Mirror data source form asks for, named as the form names them. Pure.
import type { ConnectionInfo } from './contract';

export const CONNECTION_FIELDS = [
  { key: 'mirrorUrl', label: 'Mirror URL' },
  { key: 'apiKey', label: 'Api Key' },
  { key: 'connectionDetails', label: 'Connection details JSON' },
] as const satisfies ReadonlyArray<{ key: keyof ConnectionInfo; label: string }>;

export type ConnectionField = (typeof CONNECTION_FIELDS)[number]['key'];

/** "Copy all": one labelled line per field, in the form's order. Null while the URL or the key is not known yet. */
export function copyAllText(connection: ConnectionInfo): string | null {
  if (!connection.mirrorUrl || connection.apiKey === null) return null;
  return CONNECTION_FIELDS.map(({ key, label }) => `${label}: ${connection[key]}`).join('\n');
}
