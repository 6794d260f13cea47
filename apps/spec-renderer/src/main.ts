import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { startService } from '@marshal/runtime';
import { SpecRendererConfig } from './config';
import { SpecController } from './spec.controller';

@Module({ controllers: [SpecController] })
class SpecRendererModule {}

void startService({ definition: SpecRendererConfig, module: SpecRendererModule }).catch((e) => {
  console.error(e);
  process.exit(1);
});
