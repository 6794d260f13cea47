#!/usr/bin/env node
require('../dist/main.js')
  .run(process.argv)
  .then((code) => process.exit(code));
