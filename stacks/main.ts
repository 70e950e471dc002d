// `cdktf synth` entry (cdktf.json: "app": "bash scripts/dev.sh app", which runs this file with the project's Node 22).
// LAKEHOUSE_ENVS=dev narrows the environments.
import { selectedEnvironments } from './config/load.ts';
import { synthApp } from './app.ts';

synthApp({ environments: selectedEnvironments() });
