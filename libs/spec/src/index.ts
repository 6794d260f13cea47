export type { ValidationError } from './validation-error';
export { renderPackage, PACKAGE_FILES, type RenderOptions } from './package/render-package';
export { renderServiceYaml, type RenderResult, type RenderServiceYamlOptions } from './render/render-service-yaml';
