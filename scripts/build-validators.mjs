#!/usr/bin/env node
// Runs after tsc (npm run build): precompiles the playbook schema validators, so that runs of octoi
// neither load ajv nor compile schemas unless a playbook turns out to be invalid.
import { writeCompiledSchemas } from '../dist/lib/config/precompile-schemas.js';

writeCompiledSchemas();
