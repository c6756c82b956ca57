#!/usr/bin/env node
// The `headroom` command; the code is in dist/cli.js (src/cli.ts).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
