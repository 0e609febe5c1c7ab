// Module resolution hook: 'electron' → the stand-in (the real binary cannot be downloaded here).
const STAND_IN = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: STAND_IN, shortCircuit: true, format: 'module' };
  return next(specifier, context);
}
