// Prints where a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile DIR`) spent its
// time: the functions with the most self time, and the files with the most self time.
//   npx tsx bench/profile-top.ts DIR/or/file.cpuprofile [--top 20]
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '20' } },
});
const target = positionals[0];
if (!target) throw new Error('usage: profile-top.ts <dir or .cpuprofile> [--top N]');
// A directory holds one profile per thread: the main thread's is the largest.
const files = (await stat(target)).isDirectory()
  ? await largest(
      (await readdir(target))
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(target, name)),
    )
  : [target];

async function largest(paths: string[]): Promise<string[]> {
  const sizes = await Promise.all(paths.map(async (path) => [path, (await stat(path)).size] as const));
  const [first] = sizes.sort((a, b) => b[1] - a[1]);
  return first ? [first[0]] : [];
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample's time is the delta that follows it.
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index + 1] ?? 0;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    const where = shortUrl(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byFile.set(where || frame.functionName, (byFile.get(where || frame.functionName) ?? 0) + micros);
    total += micros;
  });
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const project = url.indexOf('/server/');
  return project >= 0 ? url.slice(project + 1) : url.replace(/^file:\/\//, '');
}

const top = Number(values.top);
const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `  ${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`,
    );
  }
};
console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms sampled`);
print('Self time by function', byFunction);
print('Self time by file', byFile);
