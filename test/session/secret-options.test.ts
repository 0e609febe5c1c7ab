// A data source's secret options (a Prometheus password) reach the window only as a placeholder; a
// save from the window that leaves them alone must keep the real ones, read back from the file.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunSettings } from '../../server/session/run-settings';
import { FileSettingsStore } from '../../server/settings/file-store';
import { SECRET_PLACEHOLDER } from '../../server/telemetry/registry';

const PASSWORD = 'pw-0123456789-never-shown';

test('an unchanged secret comes back from the window as a placeholder and the saved one is kept', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'mirror-secrets-')), 'settings.json');
  const { settings } = await RunSettings.load({ store: new FileSettingsStore(path), env: {} });
  await settings.update({
    dataSource: { kind: 'prometheus', url: 'http://127.0.0.1:9090', username: 'me', password: PASSWORD },
  });
  const shown = settings.publicView.dataSource;
  assert.equal(shown.password, SECRET_PLACEHOLDER, 'the window sees a placeholder');
  assert.ok(!JSON.stringify(settings.publicView).includes(PASSWORD), 'the window never sees the password');
  // The user changes the URL only: the form sends the rest as it showed it.
  await settings.update({ dataSource: { ...shown, url: 'http://127.0.0.1:9091' } });
  const onDisk = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(onDisk.dataSource.url, 'http://127.0.0.1:9091');
  assert.equal(
    onDisk.dataSource.password === PASSWORD,
    true,
    'the saved password was replaced by the placeholder',
  );
  // Another kind has no saved secret behind the placeholder: it is dropped, never saved as text.
  await settings.update({ dataSource: { kind: 'upstream', url: 'http://127.0.0.1:7008/' } });
  await settings.update({
    dataSource: { kind: 'prometheus', url: 'http://127.0.0.1:9090', password: SECRET_PLACEHOLDER },
  });
  const after = JSON.parse(await readFile(path, 'utf8'));
  assert.equal('password' in after.dataSource, false, 'a placeholder with nothing behind it was saved');
});
