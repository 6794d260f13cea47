import { defineConfig } from '@marshal/runtime';

export const SpecRendererConfig = defineConfig('spec-renderer', {});
