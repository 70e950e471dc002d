// `cdktf synth` entry (cdktf.json: "app": "node stacks/main.ts"). LAKEHOUSE_ENVS=dev narrows the environments.
import { selectedEnvironments } from './config/load.ts';
import { synthApp } from './app.ts';

synthApp({ environments: selectedEnvironments() });
