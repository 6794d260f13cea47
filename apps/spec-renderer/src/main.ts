import 'reflect-metadata';
import { startService } from '@marshal/runtime';
import { SpecRendererConfig } from './config';
import { SpecRendererModule } from './spec-renderer.module';

void startService({ definition: SpecRendererConfig, module: SpecRendererModule }).catch((e) => {
  console.error(e);
  process.exit(1);
});
