import { App } from 'cdktf';
import { loadConfig, type LoadOptions } from './config/load.ts';
import type { EnvironmentConfig, EnvironmentName } from './config/types.ts';
import { BootstrapStack } from './stacks/bootstrap-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { OrchestrationStack } from './stacks/orchestration-stack.ts';
import { PipelineStack } from './stacks/pipeline-stack.ts';
import type { LakehouseStack } from './lib/lakehouse-stack.ts';

/** The stacks of one environment, in deploy order (cdktf orders `lakehouse-<env>-*` by these dependencies). */
export function addEnvironment(app: App, config: EnvironmentConfig): LakehouseStack[] {
  const bootstrap = new BootstrapStack(app, config);
  const data = new DataStack(app, config);
  data.addDependency(bootstrap);
  const pipeline = new PipelineStack(app, config);
  pipeline.addDependency(data);
  const stacks: LakehouseStack[] = [bootstrap, data, pipeline];
  if (config.features.mwaa) {
    const orchestration = new OrchestrationStack(app, config);
    orchestration.addDependency(pipeline);
    stacks.push(orchestration);
  }
  return stacks;
}

export interface SynthOptions extends LoadOptions {
  readonly outdir?: string;
  readonly environments: readonly EnvironmentName[];
}

/** Build and synthesize the app for some environments (what `cdktf synth` runs, and the tests). */
export function synthApp(options: SynthOptions): App {
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}), skipValidation: false });
  for (const env of options.environments) addEnvironment(app, loadConfig(env, options));
  app.synth();
  return app;
}
