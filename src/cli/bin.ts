#!/usr/bin/env node
// Entry point of the `domicile` executable.
import { main } from './main.js';

void main();
