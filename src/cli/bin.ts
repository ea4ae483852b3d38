#!/usr/bin/env node
// Entry point of the `domicile` executable. It checks the Node version before loading anything
// else, so that an old Node gets one line telling what to do instead of a stack trace.
import { nodeVersionRefusal } from './node-version.js';

const refusal = nodeVersionRefusal(process.version);
if (refusal !== undefined) {
  console.error(refusal);
  process.exitCode = 1;
} else {
  const { main } = await import('./main.js');
  void main();
}
