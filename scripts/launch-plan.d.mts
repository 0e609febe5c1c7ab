// Types for scripts/launch-plan.mjs, so the TypeScript tests can import it.
export declare const HEADLESS_COMMAND: string;

export interface LaunchFacts {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The Electron executable, or null when node_modules/electron has none. */
  electronBinary: string | null;
  /** Why installing it failed or was not tried, as a phrase ("its download from GitHub failed: …"). */
  installError: string | null;
}

export type LaunchPlan = { mode: 'electron'; binary: string } | { mode: 'headless'; reason: string };

export declare function planLaunch(facts: LaunchFacts): LaunchPlan;
export declare function electronEnv(
  env: Record<string, string | undefined>,
): Record<string, string | undefined>;
export declare function downloadSource(env: Record<string, string | undefined>): string;
export declare function summariseInstallError(output: string, timedOut: boolean, from?: string): string;
export declare const HEADLESS_OPTIONS: { withValue: string[]; flags: string[] };
export declare function headlessArgs(args: readonly string[]): string[];
export declare function ignoredInHeadless(args: readonly string[]): string[];
